"""The monitoring ledger: when each site was actually judged, kept durably.

A site is monitored from one judged round to the next when they come within its expected
interval (`GAP_FACTOR` × interval + jitter): time before the first verdict after a start,
time while the collector was stopped or crashed, a stalled scheduler, and rounds that could
not be sent (the `error` state) are not monitored. The report and the availability metric
judge availability over this time only, and say how much of the period it covers.

Spans are kept in memory and written every `FLUSH_SECONDS` in one transaction (and at stop):
a crash loses at most that much monitored time, which then reads as unmonitored — never the
other way round.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collector.intervals import Interval, clip, merge
from collector.sqlite import open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS monitored (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    start REAL NOT NULL,      -- Unix time of the round that began the span
    end REAL NOT NULL         -- Unix time of its latest round
);
CREATE INDEX IF NOT EXISTS monitored_site ON monitored (site, end);
"""
FLUSH_SECONDS = 10.0
GAP_FACTOR = 1.5
"""Rounds further apart than this many intervals (plus jitter) leave a gap unmonitored."""


@dataclass
class _Span:
    start: float
    end: float
    row: int | None = None
    dirty: bool = True


class MonitoringLedger:
    """Thread-safe: rounds arrive on the event loop, the report and the metric read."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._db = open_database(path, _SCHEMA, "NORMAL")
        self._open: dict[str, _Span] = {}
        self._flushed_at = clock()

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()

    def judged(self, site: str, at: float, max_gap: float) -> None:
        """A round of ``site`` at ``at`` gave a verdict (its state is known and checkable)."""
        with self._lock:
            span = self._open.get(site)
            if span is not None and 0 <= at - span.end <= max_gap:
                span.end, span.dirty = at, True
            else:
                self._open[site] = _Span(at, at)
        if self._clock() - self._flushed_at >= FLUSH_SECONDS:
            self.flush()

    def not_judged(self, site: str) -> None:
        """A round of ``site`` gave no verdict (unknown, cannot be checked): its span ends."""
        with self._lock:
            span = self._open.pop(site, None)
            if span is not None and span.dirty:
                self._write(site, span)

    def flush(self) -> None:
        with self._lock:
            self._flushed_at = self._clock()
            dirty = [(site, span) for site, span in self._open.items() if span.dirty]
            if not dirty:
                return
            self._db.execute("BEGIN")
            try:
                for site, span in dirty:
                    self._write(site, span)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _write(self, site: str, span: _Span) -> None:
        if span.row is None:
            cursor = self._db.execute("INSERT INTO monitored (site, start, end) VALUES (?, ?, ?)",
                                      (site, span.start, span.end))
            span.row = int(cursor.lastrowid or 0)
        else:
            self._db.execute("UPDATE monitored SET end = ? WHERE id = ?", (span.end, span.row))
        span.dirty = False

    def spans(self, site: str, start: float, end: float) -> list[Interval]:
        """The times ``site`` was monitored within [start, end): sorted, disjoint."""
        with self._lock:
            rows = self._db.execute(
                "SELECT start, end FROM monitored WHERE site = ? AND end > ? AND start < ?",
                (site, start, end)).fetchall()
            found = [(float(a), float(b)) for a, b in rows]
            span = self._open.get(site)
            if span is not None:
                found.append((span.start, span.end))
        return clip(merge(found), start, end)


def read_spans(path: Path, sites: list[str], start: float, end: float) -> dict[str, list[Interval]]:
    """Monitored spans per site from a ledger file (the report's read, no writer needed)."""
    ledger = MonitoringLedger(path)
    try:
        return {site: ledger.spans(site, start, end) for site in sites}
    finally:
        ledger.close()
