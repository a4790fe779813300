"""Times, durations, numbers and percentages as people read them, in the catalogue's
language. No locale is used: the collector host may have none installed, and every host must
write them the same way."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from collector.alerting.outage_log import Evidence
from collector.words.catalogue import ReportWords, Words


def format_time(words: Words, at: float, zone: ZoneInfo) -> str:
    """`at` (Unix time) as the office reads a wall clock: Sabtu, 29 November 2025 pukul 13.05
    WITA, or Sat 29 Nov 2025 13:05 WITA."""
    local = datetime.fromtimestamp(at, zone)
    return words.time_format.format(
        day=words.days[local.weekday()], date=local.day, month=words.months[local.month - 1],
        year=local.year, hour=local.hour, minute=local.minute, second=local.second,
        zone=local.tzname() or "")


def format_evidence(words: Words, evidence: Evidence, zone: ZoneInfo) -> str:
    """What a cause was judged from: router core-router menyala ulang pukul 13.07.42 WITA."""
    return words.evidence[evidence.kind].format(
        who=", ".join(evidence.who),
        time="" if evidence.at is None else format_clock(words, evidence.at, zone))


def format_clock(words: Words, at: float, zone: ZoneInfo) -> str:
    """`at` as a time of day to the second: 13.07.42 WITA, or 13:07:42 WITA."""
    local = datetime.fromtimestamp(at, zone)
    return words.clock_format.format(hour=local.hour, minute=local.minute, second=local.second,
                                     zone=local.tzname() or "")


def format_span(words: Words, seconds: float) -> str:
    """A duration as people say it: the largest unit and the next one if it is not zero
    (2 jam 5 menit, 1 h 12 min, 3 d 4 h), to the second below an hour (1 menit 15 detik)."""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole} {words.units[3]}"
    parts = [(whole // 86400, words.units[0]), (whole % 86400 // 3600, words.units[1]),
             (whole % 3600 // 60, words.units[2]), (whole % 60, words.units[3])]
    if whole >= 3600:
        parts.pop()
    first = next(i for i, (count, _) in enumerate(parts) if count)
    shown = [parts[first]]
    if first + 1 < len(parts) and parts[first + 1][0]:
        shown.append(parts[first + 1])
    return " ".join(f"{count} {unit}" for count, unit in shown)


def format_number(words: Words, value: float) -> str:
    """One decimal at most, with the language's decimal mark: 12,3 or 12.3; 20, not 20.0."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", words.decimal)


def format_ratio(words: Words, ratio: float) -> str:
    return format_number(words, ratio * 100) + "%"


def format_rtt(words: Words, seconds: float) -> str:
    """1,2 s; 12,3 ms; below a millisecond with two decimals (0,05 ms), never 0 ms."""
    if seconds >= 1:
        return format_number(words, seconds) + " s"
    millis = seconds * 1000
    if millis < 1:
        return f"{millis:.2f}".replace(".", words.decimal) + " ms"
    return format_number(words, millis) + " ms"


def floor_decimal(value: float, places: int) -> Decimal:
    """`value` cut (never rounded up) to `places` decimals: 99.9996% must not read 100%."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)


def percent(words: ReportWords, ratio: float, places: int = 2) -> str:
    """99,48% or 99.48%; 100% only without any downtime."""
    if ratio >= 1:
        return "100%"
    return f"{floor_decimal(ratio * 100, places):f}".replace(".", words.mail.decimal) + "%"


def span(words: ReportWords, seconds: float) -> str:
    return format_span(words.mail, seconds)


def when(words: ReportWords, at: float, zone: ZoneInfo, *, year: bool = False) -> str:
    """3 November 22.15 (or 3 Nov 22:15), with the year when asked."""
    local = datetime.fromtimestamp(at, zone)
    month = words.mail.months[local.month - 1]
    day = f"{local.day} {month}" + (f" {local.year}" if year else "")
    return f"{day} {local.hour:02d}{words.clock}{local.minute:02d}"


def month_name(words: ReportWords, year: int, month: int) -> str:
    return f"{words.mail.months[month - 1]} {year}"
