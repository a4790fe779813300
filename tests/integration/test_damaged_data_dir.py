"""The collector starts on a data directory whose files are damaged: each is moved aside and
begun again, and the collector monitors, serves /metrics and keeps its new outage log."""

from __future__ import annotations

import asyncio

import pytest

from collector.config import parse_config_text
from tests.support.collector_app import running_app
from tests.support.collector_process import free_port
from tests.support.metrics import scrape, value
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

FILES = ("outbox.sqlite3", "outages.sqlite", "reports.sqlite3")


def test_damaged_files_are_set_aside_and_monitoring_goes_on(tmp_path, caplog):
    for name in FILES:
        (tmp_path / name).write_bytes(b"\x00garbage, not SQLite\n" * 512)
    config = parse_config_text(f"""
collector: {{data_dir: "{tmp_path}", listen: "127.0.0.1:{free_port()}"}}
icmp: {{interval: 500ms, jitter: 0s, echoes: 1, echo_interval: 10ms, timeout: 200ms}}
sites:
  - {{name: core, links: [{{name: lan, kind: fiber, targets: [127.0.0.1]}}]}}
""", "collector.yml")

    async def test():
        async with running_app(config) as app:
            await async_wait_until(lambda: app.store.sites["core"].rounds >= 2, timeout=10,
                                   what="two rounds")
            text = await asyncio.to_thread(scrape, f"http://127.0.0.1:{app.http.port}/metrics")
            assert value(text, "pantau_site_state", site="core", state="up") == 1.0
            assert app.outages is not None and app.outages.open_outages() == []

    asyncio.run(test())
    for name in FILES:
        assert len(list(tmp_path.glob(f"{name}.corrupt-*"))) == 1, name
    damaged = [r.getMessage() for r in caplog.records if "is damaged" in r.getMessage()]
    assert len(damaged) == 3, damaged
