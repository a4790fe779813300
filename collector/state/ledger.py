"""The monitoring ledger: when each site was actually judged, kept durably.

A site is monitored from one judged round to the next when they come within its expected
interval (`GAP_FACTOR` × interval + jitter): time before the first verdict after a start,
time while the collector was stopped or crashed, a stalled scheduler, and rounds that could
not be sent (the `error` state) are not monitored. The report and the availability metric
judge availability over this time only, and say how much of the period it covers.

Spans are kept in memory and written every `FLUSH_SECONDS` in one transaction (and at stop):
a crash loses at most that much monitored time, which then reads as unmonitored — never the
other way round. A write that fails (a full disk, a file locked by another process) is logged
once and tried again at the next flush; the spans stay in memory meanwhile, and the rounds
that judged them go on as if nothing happened.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collector.intervals import Interval, clip, merge
from collector.sqlite import immediate, open_database

log = logging.getLogger(__name__)

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
        # Rounds come on the event loop: a lock held elsewhere must cost little.
        self._db.execute("PRAGMA busy_timeout = 250")
        self._open: dict[str, _Span] = {}
        # Spans ended whose last write failed: written at the next flush.
        self._ended: list[tuple[str, _Span]] = []
        self._failing = False
        self.write_failures = 0
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
                self._ended.append((site, span))
                self._commit()

    def flush(self) -> None:
        with self._lock:
            self._flushed_at = self._clock()
            self._commit()

    def _commit(self) -> None:
        """Write the dirty spans in one transaction; on failure they stay dirty."""
        dirty = [*self._ended,
                 *((site, span) for site, span in self._open.items() if span.dirty)]
        if not dirty:
            return
        try:
            with immediate(self._db):
                rows = [self._write(site, span) for site, span in dirty]
        except sqlite3.Error as err:
            self.write_failures += 1
            if not self._failing:
                log.error("%s cannot be written (%s): the monitored time is kept in memory "
                          "and written as soon as it can be", self.path, err)
            self._failing = True
            return
        for (_, span), row in zip(dirty, rows, strict=True):
            span.row, span.dirty = row, False
        self._ended.clear()
        if self._failing:
            log.warning("%s is written again", self.path)
            self._failing = False

    def _write(self, site: str, span: _Span) -> int:
        """Its row: new, or the one it had."""
        if span.row is None:
            cursor = self._db.execute("INSERT INTO monitored (site, start, end) VALUES (?, ?, ?)",
                                      (site, span.start, span.end))
            return int(cursor.lastrowid or 0)
        self._db.execute("UPDATE monitored SET end = ? WHERE id = ?", (span.end, span.row))
        return span.row

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
            found += [(each.start, each.end) for name, each in self._ended if name == site]
        return clip(merge(found), start, end)


def read_spans(path: Path, sites: list[str], start: float, end: float) -> dict[str, list[Interval]]:
    """Monitored spans per site from a ledger file (the report's read, no writer needed)."""
    ledger = MonitoringLedger(path)
    try:
        return {site: ledger.spans(site, start, end) for site in sites}
    finally:
        ledger.close()
