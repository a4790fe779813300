"""Calendar months and days in the office's time zone, as Unix-time intervals."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.intervals import Interval

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of a `YYYY-MM` text; ValueError with a message for people otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"'{text}' is not a month (use YYYY-MM, e.g. 2026-11)")
    return int(match[1]), int(match[2])


def month_bounds(year: int, month: int, zone: ZoneInfo) -> Interval:
    """[first midnight of the month, first midnight of the next) in `zone`."""
    following = (year + month // 12, month % 12 + 1)
    return (datetime(year, month, 1, tzinfo=zone).timestamp(),
            datetime(*following, 1, tzinfo=zone).timestamp())


def month_containing(t: float, zone: ZoneInfo) -> tuple[int, int]:
    local = datetime.fromtimestamp(t, zone)
    return local.year, local.month


def local_days(start: float, end: float, zone: ZoneInfo) -> list[tuple[date, Interval]]:
    """Each local calendar day that begins in [start, end), with its own [midnight, midnight)."""
    days: list[tuple[date, Interval]] = []
    day = datetime.fromtimestamp(start, zone).date()
    while True:
        begin = datetime.combine(day, datetime.min.time(), tzinfo=zone).timestamp()
        if begin >= end:
            return days
        following = day + timedelta(days=1)
        finish = datetime.combine(following, datetime.min.time(), tzinfo=zone).timestamp()
        if begin >= start:
            days.append((day, (begin, finish)))
        day = following
