"""Maintenance windows as instants: when is a site in planned maintenance, and for how long.

Pure: the windows come from the config, the clock from the caller. Window times are wall-clock
times in `collector.timezone`; a weekly window starts at its local time on each listed day and
lasts its duration in real seconds, so one starting Sunday 23:00 for 3h ends Monday 02:00.
Asia/Makassar (WITA) keeps UTC+8 all year; in a zone with daylight saving a start inside the
skipped hour is read as zoneinfo reads it (PEP 495, fold=0).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.config import CollectorConfig
from collector.config.maintenance import MaintenanceWindow, WeeklySchedule
from collector.intervals import Interval, clip


@dataclass(frozen=True)
class Window:
    """One occurrence of a maintenance window: [start, end) in Unix time."""

    start: float
    end: float
    reason: str


class MaintenanceCalendar:
    """The maintenance windows of every configured site; a site it does not know has none."""

    def __init__(self, config: CollectorConfig) -> None:
        self._zone = config.collector.zone
        self._windows = {site.name: site.maintenance for site in config.sites}

    def active(self, site: str, t: float) -> Window | None:
        """The window of `site` that `t` falls in; of overlapping ones, the one ending last."""
        live = self.occurrences(site, t, math.nextafter(t, math.inf))
        return max(live, key=lambda window: window.end, default=None)

    def planned_intervals(self, site: str, start: float, end: float) -> list[Interval]:
        """The time of [start, end) that `site` spends in maintenance: sorted, disjoint
        intervals, overlapping and touching windows merged."""
        return clip(((w.start, w.end) for w in self.occurrences(site, start, end)), start, end)

    def occurrences(self, site: str, start: float, end: float) -> list[Window]:
        """Every window of `site` that overlaps [start, end), whole (not clipped), by start."""
        found: list[Window] = []
        for window in self._windows.get(site, ()):
            found.extend(w for w in _occurrences(window, self._zone, start, end)
                         if w.start < end and w.end > start)
        return sorted(found, key=lambda w: (w.start, w.end))


def _occurrences(window: MaintenanceWindow, zone: ZoneInfo, start: float,
                 end: float) -> Iterator[Window]:
    if window.weekly is not None:
        yield from _weekly(window.weekly, window.reason, zone, start, end)
    elif window.start is not None and window.end is not None:
        yield Window(window.start.replace(tzinfo=zone).timestamp(),
                     window.end.replace(tzinfo=zone).timestamp(), window.reason)


def _weekly(rule: WeeklySchedule, reason: str, zone: ZoneInfo, start: float,
            end: float) -> Iterator[Window]:
    days = {day.index for day in rule.days}
    # An occurrence that began up to its duration before `start` may still be running; the
    # extra day covers local dates that a UTC offset shifts across midnight.
    day = _local_date(start - rule.duration, zone) - timedelta(days=1)
    last = _local_date(end, zone)
    while day <= last:
        if day.weekday() in days:
            begin = datetime.combine(day, rule.start, tzinfo=zone).timestamp()
            yield Window(begin, begin + rule.duration, reason)
        day += timedelta(days=1)


def _local_date(t: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(t, zone).date()
