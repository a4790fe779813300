"""Round scheduling with the real APScheduler: rounds of one site never overlap."""

import asyncio

import pytest

from collector.config import parse_config_text
from collector.probes import kinds
from collector.scheduler import ProbeScheduler
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

CONFIG = """
icmp: {interval: 200ms, jitter: 0s, echoes: 1, echo_interval: 10ms, timeout: 50ms}
sites:
  - name: a
    links: [{name: l, kind: fiber, targets: [127.0.0.1]}]
  - name: b
    interval: 300ms
    links: [{name: l, kind: fiber, targets: [127.0.0.2]}]
"""


def test_a_slow_round_is_never_overlapped_by_the_next_and_sites_run_independently():
    config = parse_config_text(CONFIG, "test.yml")
    running: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}
    runs: dict[str, int] = {"a": 0, "b": 0}

    async def slow_round(target):
        site = target.spec.site
        running[site] += 1
        most[site] = max(most[site], running[site])
        # Longer than the interval, as a round to a hung network might be.
        await asyncio.sleep(0.45)
        running[site] -= 1
        runs[site] += 1

    async def scenario():
        scheduler = ProbeScheduler(kinds()["icmp"].schedule(config), slow_round)
        scheduler.start()
        try:
            await async_wait_until(lambda: runs["a"] >= 3 and runs["b"] >= 3, timeout=10,
                                   what="three rounds of each site")
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())
    assert most == {"a": 1, "b": 1}
