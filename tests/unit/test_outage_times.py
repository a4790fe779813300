"""Outage times over random sequences of rounds: a state never begins before the one it
follows, an outage never ends before it began, and a site cut off behind a cut is out exactly
as long as the cut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.alerting.engine import AlertEngine
from collector.alerting.outage_log import Cause, OutageLog
from collector.config import parse_config_text
from collector.icmp import PingResult
from collector.state import StateStore

pytestmark = pytest.mark.unit

# core <- relay <- hotspot <- kiosk (a chain), core <- opd, and dual on core and relay.
CONFIG = """
state: {down_after: 2, up_after: 2, window: 3}
alerting: {group_window: 5s, flap_transitions: 4, flap_window: 60s, reminder_interval: 0}
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [198.18.0.1]}]
  - name: opd
    links: [{name: fo, kind: fiber, parent: core, targets: [198.18.0.2]}]
  - name: relay
    links: [{name: radio, kind: wireless, parent: core, targets: [198.18.0.3]}]
  - name: hotspot
    links: [{name: radio, kind: wireless, parent: relay, targets: [198.18.0.4]}]
  - name: kiosk
    links: [{name: radio, kind: wireless, parent: hotspot, targets: [198.18.0.5]}]
  - name: dual
    links:
      - {name: fo, kind: fiber, parent: core, targets: [198.18.0.6]}
      - {name: backup, kind: wireless, parent: relay, targets: [198.18.0.7]}
"""
TARGETS = {"core": ["198.18.0.1"], "opd": ["198.18.0.2"], "relay": ["198.18.0.3"],
           "hotspot": ["198.18.0.4"], "kiosk": ["198.18.0.5"],
           "dual": ["198.18.0.6", "198.18.0.7"]}
ROUND = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class NoEvidence:
    def cause(self, site, start, end):
        return Cause.UNKNOWN, ""


# A step: for each target, does it answer this round? Targets behind a failed parent may
# still answer (the route around a cut a real network sometimes has).
steps = st.lists(st.fixed_dictionaries({t: st.booleans() for ts in TARGETS.values()
                                         for t in ts}), min_size=1, max_size=60)


def run(tmp_path, rounds):
    config = parse_config_text(CONFIG, "test.yml")
    clock = Clock()
    store = StateStore(config, clock=clock)
    log = OutageLog(tmp_path / "outages.sqlite")
    engine = AlertEngine(config, log, NoEvidence(), store, clock=clock)
    transitions = []
    for answers in rounds:
        for site, targets in TARGETS.items():
            clock.now += ROUND / len(TARGETS)
            results = {t: PingResult(t, 1, int(answers[t]), (0.001,) if answers[t] else ())
                       for t in targets}
            found = store.record_round(site, results, 0.05)
            transitions += found
            engine.on_transitions(found)
            engine.tick()
    # Everything answers long enough for every outage to end.
    for _ in range(6):
        for site, targets in TARGETS.items():
            clock.now += ROUND / len(TARGETS)
            found = store.record_round(site, {t: PingResult(t, 1, 1, (0.001,)) for t in targets},
                                       0.05)
            transitions += found
            engine.on_transitions(found)
    clock.now += 60
    engine.tick()
    outages = log.between(0, clock.now + 1)
    log.close()
    return transitions, outages


@settings(max_examples=100, deadline=None)
@given(rounds=steps)
def test_no_state_begins_before_the_one_it_follows_and_no_outage_ends_before_it_began(
        tmp_path_factory, rounds):
    transitions, outages = run(tmp_path_factory.mktemp("log"), rounds)
    last_since: dict[tuple[str, str | None], float] = {}
    for t in transitions:
        key = (t.site, t.link)
        assert t.since <= t.at, t
        assert t.since >= last_since.get(key, 0.0), (t, last_since.get(key))
        last_since[key] = t.since
    for outage in outages:
        assert outage.ended_at is not None, outage
        assert outage.ended_at >= outage.started_at, outage


def test_a_site_that_answered_through_its_parents_cut_is_out_as_long_as_the_cut(tmp_path):
    """The child's own target answered all along (a route around the cut): its outage is the
    parent's, start and end, not its own answered streak (which began before the cut)."""
    up = dict.fromkeys((t for ts in TARGETS.values() for t in ts), True)
    relay_cut = {**up, "198.18.0.3": False}
    rounds = [up] * 3 + [relay_cut] * 6 + [up] * 3
    _, outages = run(tmp_path, rounds)
    relay = next(o for o in outages if o.site == "relay" and o.link is None)
    assert relay.ended_at is not None
    for behind in ("hotspot", "kiosk"):
        [outage] = [o for o in outages if o.site == behind and o.link is None]
        assert outage.root_site == "relay"
        assert outage.started_at == relay.started_at
        # The relay is back from its first answered round; the sites behind it once the
        # relay's verdict says so, within the up_after rounds that verdict takes.
        assert outage.ended_at is not None
        assert relay.ended_at <= outage.ended_at <= relay.ended_at + 2 * ROUND
