"""The real collector on the namespace testbed: states follow what happens to the links."""

from __future__ import annotations

import pytest

from tests.support.collector_process import CollectorProcess
from tests.support.example_network import FAST_STATE, wait_all_links_up, watched_example
from tests.support.waiting import wait_until
from tests.testbed import require_root
from tests.testbed.example import EXAMPLE_SITES

pytestmark = pytest.mark.e2e

DOWN_AFTER = FAST_STATE["down_after"]
UP_AFTER = FAST_STATE["up_after"]


@pytest.fixture(scope="module")
def network():
    require_root()
    with watched_example() as running:
        yield running


@pytest.fixture
def healthy(network):
    """Every test starts from a network whose links are all up again."""
    wait_all_links_up(network[1])
    return network


def rounds(collector: CollectorProcess, site: str) -> float:
    return collector.value("pantau_icmp_rounds_total", site=site) or 0.0


def test_all_sites_up(healthy):
    _, collector = healthy
    for site in EXAMPLE_SITES:
        assert collector.value("pantau_site_state", site=site, state="up") == 1.0


def test_cut_link_goes_down_after_n_rounds_and_up_after_m(healthy):
    tb, collector = healthy
    before_cut = rounds(collector, "opd1")
    tb.cut("opd1", "fo")
    try:
        collector.wait_link_state("opd1", "fo", "down")
        assert rounds(collector, "opd1") - before_cut >= DOWN_AFTER
        assert collector.value("pantau_site_state", site="opd1", state="down") == 1.0
    finally:
        tb.restore("opd1", "fo")
    before_restore = rounds(collector, "opd1")
    collector.wait_link_state("opd1", "fo", "up")
    assert rounds(collector, "opd1") - before_restore >= UP_AFTER
    assert collector.log.count("link opd1/fo is down") == 1


def test_cut_parent_makes_children_unreachable_not_down(healthy):
    tb, collector = healthy
    log_before = len(collector.log)
    tb.cut("relay", "radio")
    try:
        collector.wait_link_state("relay", "radio", "down")
        collector.wait_link_state("hotspot", "radio", "unreachable")
        collector.wait_link_state("dual", "backup", "unreachable")
        assert collector.link_state("dual", "fo") == "up"
        assert collector.value("pantau_site_state", site="dual", state="up") == 1.0
        assert collector.value("pantau_site_state", site="hotspot", state="unreachable") == 1.0
    finally:
        tb.restore("relay", "radio")
    collector.wait_link_state("hotspot", "radio", "up")
    during = collector.log[log_before:]
    assert "link hotspot/radio is down" not in during
    assert "link dual/backup is down" not in during


def test_dual_homed_site_stays_up_while_one_parent_remains(healthy):
    tb, collector = healthy
    tb.cut("dual", "fo")
    try:
        collector.wait_link_state("dual", "fo", "down")
        assert collector.link_state("dual", "backup") == "up"
        assert collector.value("pantau_site_state", site="dual", state="up") == 1.0
    finally:
        tb.restore("dual", "fo")
    collector.wait_link_state("dual", "fo", "up")


def test_thirty_percent_loss_degrades_without_taking_the_link_down(healthy):
    tb, collector = healthy
    labels = {"site": "opd1", "link": "fo", "target": tb.target("opd1", "fo")}
    log_before = len(collector.log)
    tb.set_loss("opd1", "fo", 30)
    try:
        collector.wait_link_state("opd1", "fo", "degraded")
        sent0 = collector.value("pantau_icmp_echo_requests_total", **labels)
        received0 = collector.value("pantau_icmp_echo_replies_total", **labels)
        # 300 echoes: the loss estimate's standard deviation is about 0.026.
        wait_until(lambda: collector.value("pantau_icmp_echo_requests_total", **labels)
                   >= sent0 + 300, timeout=60, interval=0.2, what="300 more echoes")
        sent = collector.value("pantau_icmp_echo_requests_total", **labels) - sent0
        received = collector.value("pantau_icmp_echo_replies_total", **labels) - received0
        assert 0.2 <= 1 - received / sent <= 0.4
        assert collector.link_state("opd1", "fo") == "degraded"
    finally:
        tb.clear_loss("opd1", "fo")
    collector.wait_link_state("opd1", "fo", "up", timeout=30)
    assert "link opd1/fo is down" not in collector.log[log_before:]
