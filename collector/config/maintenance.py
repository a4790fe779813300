"""Config models for a site's `maintenance` windows, and the office's time zone they are read in.

A window is either one-off (`start` and `end`, local date and time) or weekly (`weekly`: days,
a local start time and a duration). Times are wall-clock times in `collector.timezone`; they
become instants only in `collector.alerting.maintenance`, which knows the zone.
"""

from __future__ import annotations

import contextlib
import re
import zoneinfo
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from collector.config.durations import format_duration, parse_duration, rule_error

MAX_WEEKLY_DURATION = 7 * 86400.0
"""A weekly window longer than the week would overlap its own next occurrence."""

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weekday(StrEnum):
    """Days as `datetime.weekday()` counts them: Monday first."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def index(self) -> int:
        return list(Weekday).index(self)


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    return f"'{value}'" if isinstance(value, str) else str(value)


def _check_zone(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise rule_error(f"expected a time zone name such as Asia/Makassar, got {_shown(value)}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise rule_error(
            f"'{value}' is not a known time zone (use an IANA name, e.g. Asia/Makassar)"
        ) from None
    return value


def _parse_time(value: object) -> time:
    if isinstance(value, time):
        return value
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise rule_error(f"{_shown(value)} is not a time of day (use HH:MM, e.g. 01:00 or 22:30)")
    return time(int(match[1]), int(match[2]))


def _parse_local_datetime(value: object) -> datetime:
    # YAML turns `2026-12-06 22:00:00` (with seconds) into a datetime by itself.
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise rule_error(f"'{value}' carries a UTC offset; write the local time "
                             "(collector.timezone) without one")
        return value
    match = _DATETIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is not None:
        with contextlib.suppress(ValueError):  # 2026-02-30 matches the pattern, yet is no date
            return datetime(*(int(part or 0) for part in match.groups()))
    raise rule_error(
        f"{_shown(value)} is not a date and time (use YYYY-MM-DD HH:MM, e.g. 2026-12-06 22:00)")


def _weekly_duration(value: object) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise rule_error(f"must be greater than 0 (got {format_duration(seconds)})")
    if seconds > MAX_WEEKLY_DURATION:
        shown = f"{seconds / 86400:g}d" if seconds % 86400 == 0 else format_duration(seconds)
        raise rule_error(f"must be at most 7 days (got {shown})")
    return seconds


TimeZoneName = Annotated[str, PlainValidator(_check_zone)]
"""An IANA time zone name, such as Asia/Makassar (WITA, UTC+8, no daylight saving)."""
LocalTime = Annotated[time, PlainValidator(_parse_time)]
LocalDateTime = Annotated[datetime, PlainValidator(_parse_local_datetime)]


class WeeklySchedule(_Model):
    days: tuple[Weekday, ...] = Field(min_length=1)
    start: LocalTime
    duration: Annotated[float, PlainValidator(_weekly_duration)]


class MaintenanceWindow(_Model):
    """One-off (`start`, `end`) or weekly (`weekly`); `reason` is shown in the report."""

    start: LocalDateTime | None = None
    end: LocalDateTime | None = None
    weekly: WeeklySchedule | None = None
    reason: Annotated[str, Strict()] = ""

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start")
        if end is not None and start is not None and end <= start:
            raise rule_error(f"must be after start {start:%Y-%m-%d %H:%M} "
                             f"(got {end:%Y-%m-%d %H:%M})")
        return end

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        one_off = [key for key in ("start", "end") if key in data]
        if "weekly" in data and one_off:
            raise rule_error("a window is either one-off (start and end) or weekly, not both")
        if "weekly" not in data and not one_off:
            raise rule_error("give start and end (a one-off window) or weekly (a weekly one)")
        if "weekly" not in data and len(one_off) == 1:
            missing = "end" if one_off == ["start"] else "start"
            raise rule_error(f"a one-off window needs {missing} too")
        return data
