"""The example testbed network with a real collector watching it, for end-to-end tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.support.collector_process import CollectorProcess
from tests.testbed import Testbed
from tests.testbed.example import EXAMPLE_LINKS, declare_example

# Rounds well under a second, so that states change within a test's patience.
FAST_ICMP = {"interval": "300ms", "jitter": 0, "echoes": 5, "echo_interval": "20ms",
             "timeout": "150ms"}
FAST_STATE = {"down_after": 3, "up_after": 2, "window": 10, "degraded_loss": 0.1,
              "degraded_rtt": "100ms"}


@contextlib.contextmanager
def watched_example() -> Iterator[tuple[Testbed, CollectorProcess]]:
    """The example network, started, and a collector probing it; both gone afterwards."""
    with Testbed() as tb:
        declare_example(tb)
        tb.start()
        collector = CollectorProcess(
            {"icmp": FAST_ICMP, "state": FAST_STATE, "sites": tb.config_sites()})
        try:
            collector.start()
            yield tb, collector
        finally:
            collector.stop()


def wait_all_links_up(collector: CollectorProcess, timeout: float = 30) -> None:
    for site, link in EXAMPLE_LINKS:
        collector.wait_link_state(site, link, "up", timeout=timeout)
