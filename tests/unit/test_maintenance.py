"""Maintenance windows: how they are written, and when they are in force."""

from datetime import datetime, time, timedelta, timezone

import pytest

from collector.alerting.maintenance import MaintenanceCalendar, Window
from collector.config import parse_config_text
from collector.config.maintenance import Weekday

pytestmark = pytest.mark.unit

WITA = timezone(timedelta(hours=8))
"""Asia/Makassar is UTC+8 all year; the expected instants are built on the fixed offset, not
on the zone database the code reads."""


def wita(*parts: int) -> float:
    return datetime(*parts, tzinfo=WITA).timestamp()


CONFIG = """
sites:
  - name: core
    links: [{name: lan, kind: fiber, targets: [192.0.2.1]}]
    maintenance:
      - weekly: {days: [sun], start: 23:00, duration: 3h}
        reason: routine
      - weekly: {days: [sat], start: "01:00", duration: 2h}
  - name: opd
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]
    maintenance:
      - {start: "2026-12-06 22:00", end: "2026-12-07 02:00", reason: switch}
      - {start: "2026-12-07 01:00", end: 2026-12-07 03:00:00, reason: overran}
  - name: edge
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.3]}]
    maintenance:
      - weekly: {days: [thu], start: "23:00", duration: 3h}
  - name: always
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.4]}]
    maintenance:
      - weekly: {days: [mon], start: "00:00", duration: 7d}
  - name: plain
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.5]}]
"""


@pytest.fixture(scope="module")
def calendar() -> MaintenanceCalendar:
    return MaintenanceCalendar(parse_config_text(CONFIG, "collector.yml"))


def test_windows_are_read_as_written() -> None:
    config = parse_config_text(CONFIG, "collector.yml")
    assert config.collector.timezone == "Asia/Makassar"
    weekly = config.site("core").maintenance[0]
    assert weekly.weekly is not None
    assert (weekly.weekly.days, weekly.weekly.start, weekly.weekly.duration) == (
        (Weekday.SUN,), time(23, 0), 3 * 3600.0)
    assert weekly.reason == "routine"
    one_off = config.site("opd").maintenance[1]
    assert (one_off.start, one_off.end) == (datetime(2026, 12, 7, 1), datetime(2026, 12, 7, 3))
    assert config.site("plain").maintenance == ()


# December 2026: Sundays are the 6th, 13th, 20th and 27th; the 31st is a Thursday.
@pytest.mark.parametrize(("site", "at", "expected"), [
    ("core", wita(2026, 12, 6, 23, 0), Window(wita(2026, 12, 6, 23), wita(2026, 12, 7, 2),
                                              "routine")),
    ("core", wita(2026, 12, 7, 1, 59, 59), Window(wita(2026, 12, 6, 23), wita(2026, 12, 7, 2),
                                                  "routine")),
    ("core", wita(2026, 12, 7, 2, 0), None),
    ("core", wita(2026, 12, 6, 22, 59, 59), None),
    ("core", wita(2026, 12, 5, 1, 30), Window(wita(2026, 12, 5, 1), wita(2026, 12, 5, 3), "")),
    ("core", wita(2026, 12, 8, 23, 30), None),
    # of two overlapping windows, the one ending last
    ("opd", wita(2026, 12, 7, 1, 30), Window(wita(2026, 12, 7, 1), wita(2026, 12, 7, 3),
                                             "overran")),
    ("opd", wita(2026, 12, 6, 22, 30), Window(wita(2026, 12, 6, 22), wita(2026, 12, 7, 2),
                                              "switch")),
    ("opd", wita(2026, 12, 7, 3, 0), None),
    ("edge", wita(2027, 1, 1, 1, 0), Window(wita(2026, 12, 31, 23), wita(2027, 1, 1, 2), "")),
    ("always", wita(2026, 12, 9, 12, 0), Window(wita(2026, 12, 7), wita(2026, 12, 14), "")),
    ("plain", wita(2026, 12, 6, 23, 30), None),
    ("not-configured", wita(2026, 12, 6, 23, 30), None),
], ids=lambda value: str(value) if isinstance(value, str) else None)
def test_active_window(calendar: MaintenanceCalendar, site: str, at: float,
                       expected: Window | None) -> None:
    assert calendar.active(site, at) == expected


DECEMBER = (wita(2026, 12, 1), wita(2027, 1, 1))


@pytest.mark.parametrize(("site", "period", "expected"), [
    ("core", DECEMBER, [
        (wita(2026, 12, 5, 1), wita(2026, 12, 5, 3)),
        (wita(2026, 12, 6, 23), wita(2026, 12, 7, 2)),
        (wita(2026, 12, 12, 1), wita(2026, 12, 12, 3)),
        (wita(2026, 12, 13, 23), wita(2026, 12, 14, 2)),
        (wita(2026, 12, 19, 1), wita(2026, 12, 19, 3)),
        (wita(2026, 12, 20, 23), wita(2026, 12, 21, 2)),
        (wita(2026, 12, 26, 1), wita(2026, 12, 26, 3)),
        (wita(2026, 12, 27, 23), wita(2026, 12, 28, 2)),
    ]),
    # a window already running when the period starts is clipped to it
    ("core", (wita(2026, 12, 7, 0), wita(2026, 12, 7, 12)),
     [(wita(2026, 12, 7, 0), wita(2026, 12, 7, 2))]),
    # overlapping one-off windows are merged
    ("opd", DECEMBER, [(wita(2026, 12, 6, 22), wita(2026, 12, 7, 3))]),
    # the last Thursday's window runs into January: only December's part
    ("edge", DECEMBER, [
        (wita(2026, 12, 3, 23), wita(2026, 12, 4, 2)),
        (wita(2026, 12, 10, 23), wita(2026, 12, 11, 2)),
        (wita(2026, 12, 17, 23), wita(2026, 12, 18, 2)),
        (wita(2026, 12, 24, 23), wita(2026, 12, 25, 2)),
        (wita(2026, 12, 31, 23), wita(2027, 1, 1, 0)),
    ]),
    ("edge", (wita(2027, 1, 1), wita(2027, 1, 2)), [(wita(2027, 1, 1, 0), wita(2027, 1, 1, 2))]),
    # a week-long weekly window touches its next occurrence: one interval
    ("always", DECEMBER, [DECEMBER]),
    ("plain", DECEMBER, []),
], ids=lambda value: value if isinstance(value, str) else None)
def test_planned_intervals(calendar: MaintenanceCalendar, site: str,
                           period: tuple[float, float], expected: list) -> None:
    assert calendar.planned_intervals(site, *period) == expected


def test_weekly_windows_keep_their_wall_clock_start_across_daylight_saving() -> None:
    config = parse_config_text(
        CONFIG.replace("sites:", "collector: {timezone: Europe/Berlin}\nsites:", 1),
        "collector.yml")
    calendar = MaintenanceCalendar(config)
    cet, cest = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
    # Berlin moves its clocks forward on Sunday 29 March 2026 at 02:00; 23:00 is CEST then,
    # and the window still lasts three real hours.
    before = datetime(2026, 3, 22, 23, tzinfo=cet).timestamp()
    after = datetime(2026, 3, 29, 23, tzinfo=cest).timestamp()
    week = (datetime(2026, 3, 16, tzinfo=cet).timestamp(),
            datetime(2026, 3, 31, tzinfo=cest).timestamp())
    weekly = [i for i in calendar.planned_intervals("core", *week) if i[1] - i[0] == 3 * 3600]
    assert weekly == [(before, before + 3 * 3600), (after, after + 3 * 3600)]
