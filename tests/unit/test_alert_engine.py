"""The alerting engine with a fake clock: what goes out, when, and what never does."""

from __future__ import annotations

import pytest

from collector.alerting.engine import AlertEngine
from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import Cause, Evidence, EvidenceKind, OutageLog
from collector.config import parse_config_text
from collector.state import LinkState as S
from collector.state import Transition
from collector.state.services import ServiceStateKind as SS

pytestmark = pytest.mark.unit

CONFIG = """
alerting: {group_window: 10s, recovery_hold: 10s, degraded_after: 60s, flap_transitions: 4,
           flap_window: 120s, flap_stable: 120s,
           reminder_interval: 1h}
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [192.0.2.1]}]
  - name: opd
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]
    services: [{kind: http, name: simpeg, title: SIMPEG, url: "https://simpeg.example.org/",
                degraded_latency: 1s}]
  - name: relay
    links: [{name: radio, kind: wireless, parent: core, targets: [192.0.2.3]}]
  - name: hotspot-a
    links: [{name: radio, kind: wireless, parent: relay, targets: [192.0.2.4]}]
  - name: hotspot-b
    links: [{name: radio, kind: wireless, parent: relay, targets: [192.0.2.5]}]
  - name: dual
    links:
      - {name: fo, kind: fiber, parent: core, targets: [192.0.2.6]}
      - {name: backup, kind: wireless, parent: relay, targets: [192.0.2.7]}
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Judge:
    def __init__(self) -> None:
        self.answer: tuple[Cause, Evidence | None] = (Cause.UNKNOWN, None)
        self.asked: list[tuple[str, float, float]] = []

    def cause(self, site, start, end):
        self.asked.append((site, start, end))
        return self.answer


class Figures:
    def before_cut(self, site, link):
        return 0.02, 0.004


class Calendar:
    def __init__(self) -> None:
        self.sites: set[str] = set()

    def active(self, site, t):
        return "window" if site in self.sites else None


@pytest.fixture
def world(tmp_path):
    clock = Clock()
    log = OutageLog(tmp_path / "outages.sqlite")
    evidence = Judge()
    calendar = Calendar()
    config = parse_config_text(CONFIG, "test.yml")

    def engine():
        return AlertEngine(config, log, evidence, Figures(), calendar, clock)

    yield engine, clock, log, evidence, calendar
    log.close()


def change(engine, clock, site, old, new, link=None):
    engine.on_transitions([Transition(site, link, old, new, clock.now)])


def run_for(engine, clock, seconds, step=1.0):
    sent = []
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        sent += engine.tick()
    return sent


def test_leaf_cut_one_down_mail_after_the_window_and_one_recovery_with_its_duration(world):
    make, clock, log, evidence, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    assert engine.tick() == []
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site) for n in sent] == [(EventKind.DOWN, "opd")]
    assert sent[0].loss_before == 0.02
    started = sent[0].started_at
    clock.now += 600
    reported = Evidence(EvidenceKind.SERVER_REPORTED, ("web",))
    evidence.answer = (Cause.LINK, reported)
    change(engine, clock, "opd", S.DOWN, S.UP)
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site) for n in sent] == [(EventKind.RECOVERED, "opd")]
    assert sent[0].duration == pytest.approx(615)
    assert sent[0].duration == sent[0].ended_at - started
    assert (sent[0].cause, sent[0].evidence) == (Cause.LINK, reported)
    [outage] = log.between(0, clock.now + 1)
    assert (outage.cause, outage.ended_at) == (Cause.LINK, sent[0].ended_at)


def test_cut_relay_one_mail_naming_every_site_behind_it_and_one_recovery(world):
    make, clock, _, _, _ = world
    engine = make()
    engine.on_transitions([
        Transition("relay", None, S.UP, S.DOWN, clock.now),
        Transition("hotspot-a", None, S.UP, S.UNREACHABLE, clock.now),
        Transition("hotspot-b", None, S.UP, S.UNREACHABLE, clock.now)])
    clock.now += 3
    # dual's backup hangs on the relay too, but dual stays up through its fibre.
    change(engine, clock, "dual", S.UP, S.UNREACHABLE, link="backup")
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site) for n in sent] == [(EventKind.DOWN, "relay")]
    assert sorted(a.site for a in sent[0].affected) == ["hotspot-a", "hotspot-b"]
    clock.now += 300
    change(engine, clock, "relay", S.DOWN, S.UP)
    clock.now += 2
    change(engine, clock, "hotspot-a", S.UNREACHABLE, S.UP)
    change(engine, clock, "hotspot-b", S.UNREACHABLE, S.UP)
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site) for n in sent] == [(EventKind.RECOVERED, "relay")]
    assert {(a.site, a.state) for a in sent[0].affected} == {
        ("hotspot-a", "recovered"), ("hotspot-b", "recovered")}


def test_link_down_while_its_site_stays_up_is_announced_alone(world):
    make, clock, _, _, _ = world
    engine = make()
    change(engine, clock, "dual", S.UP, S.DOWN, link="fo")
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site, n.link) for n in sent] == [(EventKind.DOWN, "dual", "fo")]


def test_degraded_link_gets_one_mail_after_degraded_after_and_never_a_down(world):
    make, clock, _, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DEGRADED, link="fo")
    change(engine, clock, "opd", S.UP, S.DEGRADED)
    sent = run_for(engine, clock, 200)
    assert [(n.kind, n.link) for n in sent] == [(EventKind.DEGRADED, "fo")]


def flap(engine, clock, times, every):
    """Down and up again ``times`` times, ``every`` seconds per change; what was sent."""
    sent = []
    for _ in range(times):
        change(engine, clock, "opd", S.UP, S.DOWN)
        sent += run_for(engine, clock, every)
        change(engine, clock, "opd", S.DOWN, S.UP)
        sent += run_for(engine, clock, every)
    return sent


def test_flapping_gives_one_mail_then_quiet_until_stable(world):
    make, clock, log, _, _ = world
    engine = make()
    started = clock.now
    sent = flap(engine, clock, 5, every=3)
    assert [n.kind for n in sent] == [EventKind.FLAPPING]
    sent = run_for(engine, clock, 200)
    assert [(n.kind, n.after_flapping) for n in sent] == [(EventKind.RECOVERED, True)]
    assert sent[0].started_at == started
    # Every outage of the episode is in the log, each closed, none ending before it began.
    outages = log.between(0, clock.now + 1)
    assert len(outages) == 5
    assert all(o.ended_at is not None and o.ended_at >= o.started_at for o in outages)
    assert sent[0].ended_at == outages[-1].ended_at


def test_flapping_slower_than_the_window_costs_the_first_down_then_one_flapping(world):
    make, clock, _, _, _ = world
    engine = make()
    # Down for 15 s, up for 8 s: the first down is mailed; the second comes within the
    # recovery hold, so the first recovery is never told and the rest is "flapping".
    sent = []
    for _ in range(6):
        change(engine, clock, "opd", S.UP, S.DOWN)
        sent += run_for(engine, clock, 15)
        change(engine, clock, "opd", S.DOWN, S.UP)
        sent += run_for(engine, clock, 8)
    assert [n.kind for n in sent] == [EventKind.DOWN, EventKind.FLAPPING]
    sent = run_for(engine, clock, 200)
    assert [(n.kind, n.after_flapping) for n in sent] == [(EventKind.RECOVERED, True)]


def test_flapping_that_ends_down_is_announced_down(world):
    make, clock, _, _, _ = world
    engine = make()
    sent = flap(engine, clock, 3, every=3)
    change(engine, clock, "opd", S.UP, S.DOWN)
    sent += run_for(engine, clock, 200)
    assert [n.kind for n in sent] == [EventKind.FLAPPING, EventKind.DOWN]


def test_one_clean_outage_gets_its_recovery_after_the_hold(world):
    make, clock, _, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    run_for(engine, clock, 30)
    change(engine, clock, "opd", S.DOWN, S.UP)
    came_back = clock.now
    sent = run_for(engine, clock, 30)
    assert [n.kind for n in sent] == [EventKind.RECOVERED]
    # Told within the hold (10 s) of coming back, and dated when it came back.
    assert sent[0].at <= came_back + 11
    assert sent[0].ended_at == came_back


def test_restart_mid_outage_sends_no_second_down_and_one_recovery(world):
    make, clock, log, _, _ = world
    first = make()
    change(first, clock, "opd", S.UP, S.DOWN)
    assert [n.kind for n in run_for(first, clock, 15)] == [EventKind.DOWN]
    # A new engine on the same log, as after a collector restart: states start unknown.
    clock.now += 100
    second = make()
    change(second, clock, "opd", S.UNKNOWN, S.DOWN)
    assert run_for(second, clock, 15) == []
    change(second, clock, "opd", S.DOWN, S.UP)
    sent = run_for(second, clock, 15)
    assert [n.kind for n in sent] == [EventKind.RECOVERED]
    assert len(log.between(0, clock.now + 1)) == 1


def test_restart_before_the_down_mail_went_out_still_sends_it(world):
    make, clock, _, _, _ = world
    first = make()
    change(first, clock, "opd", S.UP, S.DOWN)
    clock.now += 2  # stopped inside the group window: nothing went out yet
    second = make()
    change(second, clock, "opd", S.UNKNOWN, S.DOWN)
    assert [n.kind for n in run_for(second, clock, 15)] == [EventKind.DOWN]


def test_maintenance_window_logs_a_planned_outage_and_sends_nothing(world):
    make, clock, log, _, calendar = world
    calendar.sites.add("opd")
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    clock.now += 100
    change(engine, clock, "opd", S.DOWN, S.UP)
    assert run_for(engine, clock, 30) == []
    [outage] = log.between(0, clock.now + 1)
    assert outage.planned and outage.ended_at is not None


def test_reminder_for_a_long_outage(world):
    make, clock, _, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    run_for(engine, clock, 15)
    sent = run_for(engine, clock, 3600, step=60)
    assert [n.kind for n in sent] == [EventKind.REMINDER]


def test_an_acknowledged_outage_gets_no_more_reminders_and_its_recovery_says_who(world):
    make, clock, log, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    [down] = run_for(engine, clock, 15)
    taken_at = clock.now
    assert log.acknowledge(down.outage_id, "Andi (NOC)", taken_at).by == "Andi (NOC)"
    assert run_for(engine, clock, 3 * 3600, step=60) == []  # no reminder
    change(engine, clock, "opd", S.DOWN, S.UP)
    [recovered] = run_for(engine, clock, 30)
    assert (recovered.kind, recovered.acked_by, recovered.acked_at) == (
        EventKind.RECOVERED, "Andi (NOC)", taken_at)
    # An ended outage cannot be taken in hand any more; a second hand does not replace the
    # first.
    assert log.acknowledge(down.outage_id, "Budi", clock.now) is None


def test_a_second_acknowledgement_keeps_the_first(world):
    make, clock, log, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    [down] = run_for(engine, clock, 15)
    log.acknowledge(down.outage_id, "Andi", clock.now)
    assert log.acknowledge(down.outage_id, "Budi", clock.now + 60).by == "Andi"


def test_child_still_down_after_its_parent_returns_is_announced_as_its_own_cut(world):
    make, clock, _, _, _ = world
    engine = make()
    engine.on_transitions([Transition("relay", None, S.UP, S.DOWN, clock.now),
                           Transition("hotspot-a", None, S.UP, S.UNREACHABLE, clock.now)])
    run_for(engine, clock, 15)
    change(engine, clock, "relay", S.DOWN, S.UP)
    change(engine, clock, "hotspot-a", S.UNREACHABLE, S.DOWN)
    sent = run_for(engine, clock, 15)
    assert sorted((n.kind, n.site) for n in sent) == [
        (EventKind.DOWN, "hotspot-a"), (EventKind.RECOVERED, "relay")]


def test_outage_shorter_than_the_window_gets_one_mail_saying_both(world):
    make, clock, _, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    clock.now += 4
    change(engine, clock, "opd", S.DOWN, S.UP)
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site) for n in sent] == [(EventKind.RECOVERED, "opd")]
    assert sent[0].duration == pytest.approx(4)


def test_a_link_that_cannot_be_checked_is_told_once_and_its_return_once(world):
    make, clock, log, _, _ = world
    engine = make()
    engine.on_transitions([Transition("dual", "fo", S.UP, S.ERROR, clock.now, clock.now - 30,
                                      "not_permitted")])
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.site, n.link, n.reason, n.started_at) for n in sent] == [
        (EventKind.ERROR, "dual", "fo", "not_permitted", clock.now - 45)]
    clock.now += 300
    change(engine, clock, "dual", S.ERROR, S.UP, link="fo")
    sent = run_for(engine, clock, 15)
    assert [(n.kind, n.link) for n in sent] == [(EventKind.ERROR_CLEARED, "fo")]
    assert log.between(0, clock.now + 1) == []  # not an outage


def test_an_error_that_clears_within_the_window_is_not_told(world):
    make, clock, _, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.ERROR, link="fo")
    clock.now += 3
    change(engine, clock, "opd", S.ERROR, S.UP, link="fo")
    assert run_for(engine, clock, 30) == []


def service_change(clock, old, new, failure="status", code=502, since=None):
    from collector.state.services import ServiceResult, ServiceTransition

    last = ServiceResult("opd", "simpeg", "http", clock.now, 0.2,
                         failure if new is SS.DOWN else None, status_code=code)
    return ServiceTransition("opd", "simpeg", old, new, clock.now, since or clock.now, last)


def test_a_service_failing_while_its_site_is_up_is_its_own_outage_and_mails(world):
    make, clock, log, _, _ = world
    engine = make()
    began = clock.now
    engine.on_service_transitions([service_change(clock, SS.UP, SS.DOWN)])
    [down] = run_for(engine, clock, 15)
    assert (down.kind, down.service, down.failure, down.status_code) == (
        EventKind.SERVICE_DOWN, "simpeg", "status", 502)
    clock.now += 300
    back = clock.now
    engine.on_service_transitions([service_change(clock, SS.DOWN, SS.UP)])
    [up] = run_for(engine, clock, 15)
    assert (up.kind, up.started_at, up.ended_at) == (EventKind.SERVICE_RECOVERED, began, back)
    [outage] = log.between(0, clock.now + 1)
    assert (outage.service, outage.started_at, outage.ended_at) == ("simpeg", began, back)


def test_a_service_behind_a_cut_gets_no_mail_and_is_listed_in_the_cuts_mail(world):
    make, clock, log, _, _ = world
    engine = make()
    engine.on_transitions([Transition("core", None, S.UP, S.DOWN, clock.now),
                           Transition("opd", None, S.UP, S.UNREACHABLE, clock.now)])
    engine.on_service_transitions([service_change(clock, SS.UP, SS.UNREACHABLE)])
    [down] = run_for(engine, clock, 15)
    assert down.kind is EventKind.DOWN and down.site == "core"
    assert down.affected_services == (("opd", "SIMPEG"),)
    assert [o for o in log.between(0, clock.now + 1) if o.service] == []


def test_a_service_outage_ends_where_its_site_is_cut(world):
    make, clock, log, _, _ = world
    engine = make()
    engine.on_service_transitions([service_change(clock, SS.UP, SS.DOWN)])
    run_for(engine, clock, 15)
    cut_at = clock.now
    engine.on_transitions([Transition("opd", None, S.UP, S.DOWN, clock.now)])
    engine.on_service_transitions([service_change(clock, SS.DOWN, SS.UNREACHABLE,
                                                  since=cut_at)])
    sent = run_for(engine, clock, 15)
    assert [n.kind for n in sent] == [EventKind.DOWN]  # no service recovery
    [outage] = [o for o in log.between(0, clock.now + 1) if o.service]
    assert outage.ended_at == cut_at


def cert_check(clock, days_left, expiry=None):
    from collector.state.services import ServiceResult

    return ServiceResult("opd", "simpeg", "http", clock.now, 0.2,
                         cert_expiry=expiry or clock.now + days_left * 86400)


def test_a_certificate_is_warned_once_per_threshold_also_across_restarts(world):
    make, clock, _, _, _ = world
    engine = make()
    expiry = clock.now + 20 * 86400
    engine.on_service_result(cert_check(clock, 20, expiry))
    [first] = run_for(engine, clock, 15)
    assert (first.kind, first.service, first.cert_expiry) == (
        EventKind.CERT_EXPIRING, "simpeg", expiry)
    engine.on_service_result(cert_check(clock, 0, expiry))  # the same day again: nothing
    assert run_for(engine, clock, 15) == []
    clock.now = expiry - 13 * 86400  # crossed 14 days
    engine.on_service_result(cert_check(clock, 0, expiry))
    assert [n.kind for n in run_for(engine, clock, 15)] == [EventKind.CERT_EXPIRING]
    restarted = make()  # a new engine on the same log: what was told stays told
    restarted.on_service_result(cert_check(clock, 0, expiry))
    assert run_for(restarted, clock, 15) == []
    # A new certificate starts over; one first seen 5 days before expiry gets one warning.
    restarted.on_service_result(cert_check(clock, 5))
    assert [n.kind for n in run_for(restarted, clock, 15)] == [EventKind.CERT_EXPIRING]


def test_a_certificate_far_from_expiry_is_not_told(world):
    make, clock, _, _, _ = world
    engine = make()
    engine.on_service_result(cert_check(clock, 45))
    assert run_for(engine, clock, 15) == []


def checks_every_10s(engine, clock, seconds, duration, failure=None):
    """Checks of SIMPEG every 10 s for ``seconds``, each taking ``duration``; what went out."""
    from collector.state.services import ServiceResult

    sent = []
    end = clock.now + seconds
    while clock.now < end:
        engine.on_service_result(ServiceResult("opd", "simpeg", "http", clock.now, duration,
                                               failure))
        sent += run_for(engine, clock, 10)
    return sent


def test_a_service_slower_than_its_limit_for_degraded_after_is_told_once(world):
    make, clock, _, _, _ = world
    engine = make()
    began = clock.now
    assert checks_every_10s(engine, clock, 50, duration=1.5) == []  # not yet 60 s
    [slow] = checks_every_10s(engine, clock, 20, duration=2.5)
    assert (slow.kind, slow.service, slow.started_at, slow.latency, slow.latency_limit) == (
        EventKind.SERVICE_SLOW, "simpeg", began, 2.5, 1.0)
    assert checks_every_10s(engine, clock, 300, duration=1.5) == []  # once, not every check


def test_a_fast_or_failed_check_starts_the_slow_streak_over(world):
    make, clock, _, _, _ = world
    engine = make()
    for interruption in ({"duration": 0.3}, {"duration": 3.0, "failure": "status"}):
        assert checks_every_10s(engine, clock, 50, duration=1.5) == []
        assert checks_every_10s(engine, clock, 10, **interruption) == []
    assert checks_every_10s(engine, clock, 50, duration=1.5) == []
    assert [n.kind for n in checks_every_10s(engine, clock, 20, duration=1.5)] == [
        EventKind.SERVICE_SLOW]


def test_a_slow_service_in_a_maintenance_window_is_not_told(world):
    make, clock, _, _, calendar = world
    engine = make()
    calendar.sites.add("opd")
    assert checks_every_10s(engine, clock, 120, duration=1.5) == []


def reconfigured(engine, text):
    """``engine`` going on with the config ``text`` (a reload)."""
    from collector.topology import Topology

    config = parse_config_text(text, "test.yml")
    engine.reconfigure(config, Judge(), Figures(), None, Topology(config))
    return config


WITHOUT_HOTSPOT_A = CONFIG.replace(
    "  - name: hotspot-a\n    links: [{name: radio, kind: wireless, parent: relay, "
    "targets: [192.0.2.4]}]\n", "")


def test_a_reload_keeps_an_outage_of_a_site_still_configured_and_its_one_recovery(world):
    make, clock, log, _, _ = world
    engine = make()
    change(engine, clock, "opd", S.UP, S.DOWN)
    assert [n.kind for n in run_for(engine, clock, 15)] == [EventKind.DOWN]
    [outage] = log.open_outages()
    reconfigured(engine, WITHOUT_HOTSPOT_A)
    assert run_for(engine, clock, 60) == []
    assert [o.id for o in log.open_outages()] == [outage.id]
    change(engine, clock, "opd", S.DOWN, S.UP)
    sent = run_for(engine, clock, 30)
    assert [(n.kind, n.site, n.outage_id) for n in sent] == [
        (EventKind.RECOVERED, "opd", outage.id)]


def test_a_reload_that_removes_a_site_in_an_outage_closes_it_and_tells_nobody(world):
    make, clock, log, _, _ = world
    engine = make()
    change(engine, clock, "hotspot-a", S.UP, S.DOWN)
    assert [n.kind for n in run_for(engine, clock, 15)] == [EventKind.DOWN]
    change(engine, clock, "hotspot-b", S.UP, S.DOWN)  # its "down" still waits in the window
    reconfigured(engine, WITHOUT_HOTSPOT_A.replace("hotspot-b", "hotspot-c"))
    assert log.open_outages() == []
    assert run_for(engine, clock, 3600 * 3) == []
    closed = {o.site: o for o in log.between(0, clock.now + 1)}
    assert closed["hotspot-a"].ended_at == pytest.approx(clock.now - 3600 * 3, abs=16)
    assert closed["hotspot-b"].ended_at is not None


def test_a_restart_with_a_site_gone_from_the_config_closes_its_outage(world):
    make, clock, log, _, _ = world
    engine = make()
    change(engine, clock, "hotspot-a", S.UP, S.DOWN)
    run_for(engine, clock, 15)
    log.flush(force=True)
    restarted = AlertEngine(parse_config_text(WITHOUT_HOTSPOT_A, "test.yml"), log, Judge(),
                            Figures(), None, clock)
    assert log.open_outages() == []
    assert run_for(restarted, clock, 3600 * 2) == []
