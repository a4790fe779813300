"""The real collector on loopback, scraped over HTTP; the metric catalogue held both ways."""

import asyncio
import re
import urllib.error
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collector.app import CollectorApp
from collector.config import parse_config_text
from collector.errors import IcmpUnavailableError
from tests.support.collector_process import free_port
from tests.support.metrics import scrape, value
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

CATALOGUE = Path(__file__).parents[2] / "docs" / "metrics.md"

CONFIG = """
collector: {listen: "127.0.0.1:%(port)d", data_dir: "%(tmp)s"}
icmp: {interval: 1s, jitter: 0s, echoes: 3, echo_interval: 50ms, timeout: 500ms}
sites:
  - name: core
    links: [{name: lan, kind: fiber, targets: [127.0.0.1]}]
  - name: opd
    links:
      - {name: fo, kind: fiber, parent: core, targets: [127.0.0.2, "::1"]}
      - {name: radio, kind: wireless, parent: core, targets: [127.0.0.3]}
"""


def catalogue() -> dict[str, tuple[str, set[str]]]:
    rows = {}
    for line in CATALOGUE.read_text().splitlines():
        match = re.match(r"\| `([a-z_]+)` \|\s*(\w+)\s*\|[^|]*\|([^|]*)\|", line)
        if match:
            name, kind, labels = match.groups()
            rows[name] = (kind, {label.strip() for label in labels.split(",") if label.strip()})
    return rows


def served(text: str) -> dict[str, tuple[str, set[str]]]:
    out = {}
    for family in text_string_to_metric_families(text):
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = set()
        for sample in family.samples:
            labels |= set(sample.labels) - {"le"}
        out[name] = (family.type, labels)
    return out


async def run_collector(tmp_path, check):
    text = CONFIG % {"tmp": tmp_path, "port": free_port()}
    app = CollectorApp(parse_config_text(text, "test.yml"))
    try:
        await app.start()
    except IcmpUnavailableError as err:
        pytest.skip(f"ICMP sockets not permitted here: {err}")
    try:
        base = f"http://127.0.0.1:{app.http.port}"
        await check(app, base)
    finally:
        await app.stop()


def test_metrics_match_the_catalogue_both_ways(tmp_path):
    async def check(app, base):
        await async_wait_until(lambda: all(s.rounds >= 1 for s in app.store.sites.values()),
                               timeout=10, what="a round of every site")
        text = await asyncio.to_thread(scrape, base + "/metrics")
        assert served(text) == catalogue()

    asyncio.run(run_collector(tmp_path, check))


def test_counters_move_and_states_come_up(tmp_path):
    async def check(app, base):
        await async_wait_until(lambda: all(s.rounds >= 2 for s in app.store.sites.values()),
                               timeout=10, what="two rounds of every site")
        text = await asyncio.to_thread(scrape, base + "/metrics")
        labels = {"site": "opd", "link": "fo", "kind": "fiber", "target": "::1"}
        sent = value(text, "pantau_icmp_echo_requests_total", **labels)
        assert sent is not None and sent >= 6
        assert value(text, "pantau_icmp_echo_replies_total", **labels) == sent
        assert value(text, "pantau_icmp_rtt_seconds_count", **labels) == sent
        assert value(text, "pantau_icmp_loss_ratio", **labels) == 0.0
        assert 0 < value(text, "pantau_icmp_rtt_median_seconds", **labels) < 0.05
        assert value(text, "pantau_link_state", site="opd", link="radio", state="up") == 1.0
        assert value(text, "pantau_link_state", site="opd", link="radio", state="down") == 0.0
        assert value(text, "pantau_site_state", site="core", state="up") == 1.0

    asyncio.run(run_collector(tmp_path, check))


def test_healthz_answers_ok_while_rounds_run(tmp_path):
    async def check(app, base):
        await async_wait_until(lambda: app.store.sites["core"].rounds >= 1, timeout=10)
        assert (await asyncio.to_thread(scrape, base + "/healthz")).strip() == "ok"
        with pytest.raises(urllib.error.HTTPError) as missing:
            await asyncio.to_thread(scrape, base + "/nothing-here")
        assert missing.value.code == 404

    asyncio.run(run_collector(tmp_path, check))
