"""The report's two small inline SVG charts: an availability bar and a month strip of days.

Plain SVG elements with `<title>` tooltips: they show in any browser, in a mail client and on
paper, with no script and nothing fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from collector.intervals import Interval, clip, total
from collector.report.period import local_days
from collector.words import ReportWords, span

# Thresholds people can act on: under 99.5% a site lost over 3.5 hours in a month.
GOOD = 0.995
FAIR = 0.98
BAR_FLOOR = 0.90
"""The availability at which the bar is empty; 90–100% fills it, so 99% and 99.9% differ."""

COLOURS = {
    "good": "#2e9e5b", "fair": "#e0a100", "poor": "#d64545", "none": "#9e9e9e",
    # day cells
    "clean": "#2e9e5b", "short": "#f2c94c", "medium": "#f2994a", "long": "#d64545",
    "planned": "#7aa7d9", "future": "#e4e4e4", "unmonitored": "#8c8c8c",
}
UNMONITORED_SHARE = 0.5
"""A day without downtime whose unmonitored time reaches this share of it is an
unmonitored day."""
SHORT_DOWNTIME = 300.0
LONG_DOWNTIME = 3600.0
CELL = 20
GAP = 2


def grade(availability: float | None) -> str:
    if availability is None:
        return "none"
    if availability >= GOOD:
        return "good"
    return "fair" if availability >= FAIR else "poor"


def bar(availability: float | None, label: str, width: int = 160, height: int = 12) -> str:
    share = 0.0 if availability is None else (availability - BAR_FLOOR) / (1 - BAR_FLOOR)
    filled = round(max(0.0, min(1.0, share)) * width, 1)
    colour = COLOURS[grade(availability)]
    return (f'<svg class="bar" width="{width}" height="{height}" role="img" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
            f'<rect width="{width}" height="{height}" rx="3" fill="#ececec"/>'
            f'<rect width="{filled}" height="{height}" rx="3" fill="{colour}"/></svg>')


@dataclass(frozen=True)
class Day:
    number: int
    kind: str
    """clean, short, medium, long, planned, unmonitored or future."""
    downtime: float
    planned: float
    unmonitored: float = 0.0


def days(downtime: list[Interval], planned: list[Interval], start: float, end: float,
         now: float, zone: ZoneInfo, monitored: list[Interval] | None = None) -> list[Day]:
    """Each day of [start, end), judged by its downtime up to `now`; `monitored` (None: all of
    it) tells the days that were mostly not watched."""
    found = []
    for day, (begin, finish) in local_days(start, end, zone):
        if begin >= now:
            found.append(Day(day.day, "future", 0.0, 0.0))
            continue
        seen = (begin, min(finish, now))
        down = total(clip(downtime, *seen))
        held = total(clip(planned, *seen))
        unwatched = 0.0 if monitored is None else \
            seen[1] - seen[0] - total(clip(monitored, *seen))
        if down >= LONG_DOWNTIME:
            kind = "long"
        elif down >= SHORT_DOWNTIME:
            kind = "medium"
        elif down > 0:
            kind = "short"
        elif unwatched >= UNMONITORED_SHARE * (seen[1] - seen[0]):
            kind = "unmonitored"
        else:
            kind = "planned" if held > 0 else "clean"
        found.append(Day(day.day, kind, down, held, unwatched))
    return found


def strip(month_days: list[Day], words: ReportWords, month: str, label: str) -> str:
    """One cell per day, coloured by that day's downtime, with the day's number below."""
    width = len(month_days) * (CELL + GAP)
    # The viewBox lets the strip shrink to a phone's width (and to a page's) with the CSS.
    parts = [f'<svg class="strip" width="{width}" height="{CELL + 14}" '
             f'viewBox="0 0 {width} {CELL + 14}" role="img" '
             f'aria-label="{escape(label)}"><title>{escape(label)}</title>']
    for index, day in enumerate(month_days):
        x = index * (CELL + GAP)
        if day.kind == "future":
            tip = words.day_tip["future"]
        elif day.kind == "unmonitored":
            tip = words.day_tip["unmonitored"].format(span=span(words, day.unmonitored))
        elif day.downtime > 0:
            tip = words.day_tip["down"].format(span=span(words, day.downtime))
        elif day.planned > 0:
            tip = words.day_tip["planned"].format(span=span(words, day.planned))
        else:
            tip = words.day_tip["none"]
        parts.append(
            f'<rect x="{x}" y="0" width="{CELL}" height="{CELL}" rx="3" '
            f'fill="{COLOURS[day.kind]}" class="day {day.kind}">'
            f'<title>{day.number} {escape(month)}: {escape(tip)}</title></rect>'
            f'<text x="{x + CELL / 2:g}" y="{CELL + 11}" text-anchor="middle">{day.number}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend(words: ReportWords) -> str:
    items = []
    for kind, key in (("clean", "none"), ("short", "short"), ("medium", "medium"),
                      ("long", "long"), ("planned", "planned"), ("unmonitored", "unmonitored"),
                      ("future", "future")):
        items.append(
            f'<span class="key"><svg width="12" height="12"><rect width="12" height="12" '
            f'rx="2" fill="{COLOURS[kind]}"/></svg> {escape(words.legend[key])}</span>')
    return '<p class="legend">' + " ".join(items) + "</p>"
