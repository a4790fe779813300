"""Half-open time intervals [start, end) as (start, end) pairs of Unix times.

Maintenance windows, outages and report periods are all such intervals; these few operations
are all the availability arithmetic needs. Empty intervals (end <= start) are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[float, float]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union as sorted, disjoint intervals; touching ones are joined."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[Interval], start: float, end: float) -> list[Interval]:
    """The parts of `intervals` inside [start, end), merged."""
    return merge((max(s, start), min(e, end)) for s, e in intervals)


def subtract(intervals: Iterable[Interval], removed: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` outside every interval of `removed`, merged."""
    holes = merge(removed)
    kept: list[Interval] = []
    for start, end in merge(intervals):
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                kept.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            kept.append((cursor, end))
    return kept


def total(intervals: Iterable[Interval]) -> float:
    """Seconds covered by the union of `intervals`."""
    return sum(end - start for start, end in merge(intervals))
