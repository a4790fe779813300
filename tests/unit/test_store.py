"""Link and site states over the site graph, with a fake clock and made-up rounds."""

import logging

import pytest

from collector.config import parse_config_text
from collector.icmp import PingError, PingResult
from collector.state import LinkState, StateStore

pytestmark = pytest.mark.unit

# core <- opd (fiber); core <- relay (wireless) <- hotspot; dual hangs on core and relay.
CONFIG = """
state: {down_after: 2, up_after: 2, window: 3}
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [198.18.0.10]}]
  - name: opd
    links: [{name: fo, kind: fiber, parent: core, targets: [198.18.1.2]}]
  - name: relay
    links: [{name: radio, kind: wireless, parent: core, targets: [198.18.2.2]}]
  - name: hotspot
    links: [{name: radio, kind: wireless, parent: relay, targets: [198.18.3.2]}]
  - name: dual
    links:
      - {name: fo, kind: fiber, parent: core, targets: [198.18.4.2]}
      - {name: backup, kind: wireless, parent: relay, targets: [198.18.5.2]}
"""
TARGETS = {
    "core": ["198.18.0.10"], "opd": ["198.18.1.2"], "relay": ["198.18.2.2"],
    "hotspot": ["198.18.3.2"], "dual": ["198.18.4.2", "198.18.5.2"],
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def answered(target: str, ok: bool = True) -> PingResult:
    return PingResult(target, 3, 3 if ok else 0, (0.001,) * 3 if ok else ())


def make_store():
    clock = FakeClock()
    return StateStore(parse_config_text(CONFIG, "test.yml"), clock=clock), clock


def round_(store, site, down=()):
    results = {t: answered(t, t not in down) for t in TARGETS[site]}
    return store.record_round(site, results, 0.1)


def all_rounds(store, down=()):
    transitions = []
    for site in TARGETS:
        transitions += round_(store, site, down)
    return transitions


def link(store, site, name):
    return store.links[(site, name)].state


def test_everything_up_after_one_good_round():
    store, _ = make_store()
    all_rounds(store)
    assert {r.state for r in store.links.values()} == {LinkState.UP}
    assert {r.state for r in store.sites.values()} == {LinkState.UP}


def test_cut_relay_makes_children_unreachable_not_down_and_dual_stays_up():
    store, _ = make_store()
    all_rounds(store)
    lost = {"198.18.2.2", "198.18.3.2", "198.18.5.2"}
    for _ in range(4):
        all_rounds(store, down=lost)
    assert link(store, "relay", "radio") is LinkState.DOWN
    assert link(store, "hotspot", "radio") is LinkState.UNREACHABLE
    assert store.sites["hotspot"].state is LinkState.UNREACHABLE
    assert link(store, "dual", "backup") is LinkState.UNREACHABLE
    assert link(store, "dual", "fo") is LinkState.UP
    assert store.sites["dual"].state is LinkState.UP


def test_child_polled_before_its_parent_never_reports_down_for_the_parents_cut():
    store, _ = make_store()
    all_rounds(store)
    lost = {"198.18.2.2", "198.18.3.2", "198.18.5.2"}
    seen = []
    for _ in range(4):
        # Children first: their failures are counted before the relay's verdict.
        for site in ["hotspot", "dual", "relay", "core", "opd"]:
            seen += [t for t in round_(store, site, lost) if t.site == "hotspot"]
    assert [t.new for t in seen] == [LinkState.UNREACHABLE, LinkState.UNREACHABLE]


def test_child_of_a_recovered_parent_is_judged_on_its_own_rounds_again():
    store, _ = make_store()
    all_rounds(store)
    lost = {"198.18.2.2", "198.18.3.2", "198.18.5.2"}
    for _ in range(3):
        all_rounds(store, down=lost)
    for _ in range(3):
        all_rounds(store)
    assert link(store, "relay", "radio") is LinkState.UP
    assert link(store, "hotspot", "radio") is LinkState.UP


def test_leaf_cut_goes_down_after_n_rounds_and_logs_one_transition_each(caplog):
    caplog.set_level(logging.INFO, logger="collector.state")
    store, clock = make_store()
    all_rounds(store)
    transitions = []
    for _ in range(3):
        clock.now += 10
        transitions += round_(store, "opd", down={"198.18.1.2"})
    assert [(t.link, t.new) for t in transitions] == [
        ("fo", LinkState.DOWN), (None, LinkState.DOWN)]
    # Decided at the second failed round, dated from the start of the first one (a round
    # here lasts 0.1 s).
    assert [t.at for t in transitions] == [1_000_020.0, 1_000_020.0]
    assert [t.since for t in transitions] == [pytest.approx(1_000_009.9)] * 2
    assert store.links[("opd", "fo")].since == pytest.approx(1_000_009.9)
    assert sum("opd/fo is down" in r.message for r in caplog.records) == 1


def test_send_errors_are_counted_and_make_error_not_down(clock_step=10.0):
    store, clock = make_store()
    all_rounds(store)
    error = PingResult("198.18.1.2", 0, 0, (), PingError.NOT_PERMITTED)
    transitions = []
    first_error_round = None
    for _ in range(5):
        clock.now += clock_step
        first_error_round = first_error_round or clock.now
        transitions += store.record_round("opd", {"198.18.1.2": error}, 0.0)
    assert link(store, "opd", "fo") is LinkState.ERROR
    assert store.sites["opd"].state is LinkState.ERROR
    assert store.links[("opd", "fo")].targets["198.18.1.2"].errors == {PingError.NOT_PERMITTED: 5}
    [to_error] = [t for t in transitions if t.link == "fo"]
    # Dated from the first round that could not send, with the reason.
    assert (to_error.new, to_error.since, to_error.reason) == (
        LinkState.ERROR, first_error_round, "not_permitted")
    clock.now += clock_step
    transitions = round_(store, "opd")
    assert [(t.link, t.new) for t in transitions] == [("fo", LinkState.UP), (None, LinkState.UP)]


def test_interface_down_takes_the_link_down_at_once_and_pings_bring_it_back():
    store, _ = make_store()
    all_rounds(store)
    transitions = store.record_interface("opd", "fo", up=False)
    assert [(t.link, t.new) for t in transitions] == [("fo", LinkState.DOWN),
                                                       (None, LinkState.DOWN)]
    # Pings still answered (the interface is only a report): the link stays down while it
    # reports down.
    round_(store, "opd")
    round_(store, "opd")
    assert link(store, "opd", "fo") is LinkState.DOWN
    store.record_interface("opd", "fo", up=True)
    assert link(store, "opd", "fo") is LinkState.DOWN
    round_(store, "opd")
    round_(store, "opd")
    assert link(store, "opd", "fo") is LinkState.UP


def test_silent_device_leaves_the_link_to_its_pings():
    store, _ = make_store()
    all_rounds(store)
    store.record_interface("opd", "fo", up=False)
    store.record_interface("opd", "fo", up=None)
    for _ in range(2):
        round_(store, "opd")
    assert link(store, "opd", "fo") is LinkState.UP
