"""The month-to-date availability families, from an outage log and a fake clock."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.registry import CollectorRegistry

from collector.alerting.outage_log import Cause, OutageLog
from collector.config import parse_config_text
from collector.exposition import AvailabilityCollector

pytestmark = pytest.mark.unit

WITA = timezone(timedelta(hours=8))
H = 3600.0
MONTH_START = datetime(2026, 11, 1, tzinfo=WITA).timestamp()
NOW = datetime(2026, 11, 11, tzinfo=WITA).timestamp()  # ten days into November

CONFIG = """
sites:
  - name: core
    links: [{name: lan, kind: fiber, targets: [192.0.2.1]}]
  - name: opd
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]
    maintenance:
      - {start: "2026-11-05 08:00", end: "2026-11-05 12:00"}
  - name: closed
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.3]}]
    maintenance:
      - {start: "2026-10-31 00:00", end: "2026-12-01 00:00", reason: moving offices}
"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingLog:
    """An outage log that counts its reads and can be made to fail."""

    def __init__(self, log: OutageLog) -> None:
        self._log = log
        self.reads = 0
        self.failing = False

    def between(self, start: float, end: float):
        self.reads += 1
        if self.failing:
            raise sqlite3.OperationalError("database is locked")
        return self._log.between(start, end)


@pytest.fixture
def log() -> OutageLog:
    log = OutageLog(":memory:")
    # opd: 2 h in October and November (only the November hour counts), 3 h of power cut,
    # and 1 h of link cut that ends inside its maintenance window (only 30 min count).
    first = log.open("opd", None, MONTH_START - H)
    log.close_outage(first, MONTH_START + H, Cause.LINK)
    power = log.open("opd", None, MONTH_START + 50 * H)
    log.close_outage(power, MONTH_START + 53 * H, Cause.POWER)
    into_window = log.open("opd", None, datetime(2026, 11, 5, 7, 30, tzinfo=WITA).timestamp())
    log.close_outage(into_window, datetime(2026, 11, 5, 8, 30, tzinfo=WITA).timestamp(),
                     Cause.LINK)
    log.open("opd", "fo", MONTH_START + 100 * H)  # a link alone does not count
    return log


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect() for s in family.samples}


def build(log, clock: Clock) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AvailabilityCollector(parse_config_text(CONFIG, "c.yml"), log,
                                            clock=clock))
    return registry


def labels(**values: str) -> tuple:
    return tuple(sorted({"period": "month", **values}.items()))


def test_month_to_date_figures(log):
    found = samples(build(log, Clock(NOW)))
    judged = 240 - 4  # ten days less opd's 4 h window
    down = 1 + 3 + 0.5
    assert found["pantau_site_availability_ratio", labels(site="opd")] == pytest.approx(
        1 - down / judged)
    assert found["pantau_site_downtime_seconds", labels(site="opd", cause="link")] == (
        pytest.approx(1.5 * H))
    assert found["pantau_site_downtime_seconds", labels(site="opd", cause="power")] == (
        pytest.approx(3 * H))
    assert found["pantau_site_downtime_seconds", labels(site="opd", cause="unknown")] == 0
    # A site without outages: availability 1, downtime 0 for every cause.
    assert found["pantau_site_availability_ratio", labels(site="core")] == 1.0
    for cause in Cause:
        assert found["pantau_site_downtime_seconds", labels(site="core", cause=cause.value)] == 0
    # A site in maintenance all month so far has no ratio at all (0 / 0), but its downtime.
    assert ("pantau_site_availability_ratio", labels(site="closed")) not in found
    assert found["pantau_site_downtime_seconds", labels(site="closed", cause="link")] == 0
    assert found["pantau_availability_computed_timestamp_seconds", ()] == NOW


def test_the_log_is_read_at_most_once_per_cache_period(log):
    counting, clock = CountingLog(log), Clock(NOW)
    registry = build(counting, clock)
    samples(registry)
    clock.now += 9.9
    samples(registry)
    assert counting.reads == 1
    clock.now += 0.1
    found = samples(registry)
    assert counting.reads == 2
    assert found["pantau_availability_computed_timestamp_seconds", ()] == NOW + 10


def test_a_new_month_is_computed_at_once(log):
    counting = CountingLog(log)
    clock = Clock(datetime(2026, 11, 30, 23, 59, 58, tzinfo=WITA).timestamp())
    registry = build(counting, clock)
    assert samples(registry)["pantau_site_availability_ratio", labels(site="opd")] < 1
    clock.now += 5  # 00:00:03 on 1 December: a fresh month without outages
    found = samples(registry)
    assert counting.reads == 2
    assert found["pantau_site_availability_ratio", labels(site="opd")] == 1.0


def test_an_unreadable_log_keeps_the_last_figures_and_their_time(log):
    counting, clock = CountingLog(log), Clock(NOW)
    registry = build(counting, clock)
    before = samples(registry)
    counting.failing = True
    clock.now += 60
    assert samples(registry) == before
    counting.failing = False
    clock.now += 60
    after = samples(registry)
    assert after["pantau_availability_computed_timestamp_seconds", ()] == NOW + 120


def test_with_a_ledger_only_monitored_time_is_judged(log, tmp_path):
    """The collector watched from the 3rd 00:00 to now, less the 7th (stopped all day)."""
    from collector.state.ledger import MonitoringLedger

    ledger = MonitoringLedger(tmp_path / "ledger.sqlite", clock=lambda: NOW)
    for start, end in ((MONTH_START + 48 * H, MONTH_START + 144 * H),
                       (MONTH_START + 168 * H, NOW)):
        for site in ("core", "opd"):
            ledger.judged(site, start, max_gap=0)
            ledger.judged(site, end, max_gap=end - start)
            ledger.not_judged(site)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AvailabilityCollector(parse_config_text(CONFIG, "c.yml"), log, ledger,
                                            clock=Clock(NOW)))
    found = samples(registry)
    ledger.close()
    # opd: the first outage (before the 3rd) is downtime all the same, so its November hour
    # is judged time too: 96 h + 72 h monitored, + 1 h of downtime outside them.
    monitored = 96 + 72 + 1
    assert found["pantau_site_monitored_seconds", labels(site="opd")] == pytest.approx(
        monitored * H)
    assert found["pantau_site_unmonitored_seconds", labels(site="opd")] == pytest.approx(
        (240 - monitored) * H)
    down = 1 + 3 + 0.5
    assert found["pantau_site_availability_ratio", labels(site="opd")] == pytest.approx(
        1 - down / (monitored - 4))
    assert found["pantau_site_monitored_seconds", labels(site="core")] == pytest.approx(168 * H)
    # A site the ledger never saw judged has no ratio: nothing was monitored.
    assert ("pantau_site_availability_ratio", labels(site="closed")) not in found
    assert found["pantau_site_unmonitored_seconds", labels(site="closed")] == pytest.approx(
        240 * H)
