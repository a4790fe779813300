"""Every report the agents deliver, live or replayed, kept in SQLite in the data directory.

The log answers, for a gap in an agent's reports, whether its server stayed up (the reports on
both sides carry the same boot time) or rebooted in between. Times given to the queries are
report timestamps: when the agent read its host, in Unix seconds of the agent's clock, since
replayed reports carry no other time of their making.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from collector.sqlite import open_database

SCHEMA_VERSION = 1
# psutil takes the boot time from the kernel's btime, whole seconds that NTP can nudge by one.
BOOT_TIME_TOLERANCE = 2.0
PRUNE_EVERY = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    agent       TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    timestamp   REAL    NOT NULL,  -- when the agent read its host (agent clock)
    boot_time   REAL    NOT NULL,  -- the host's boot time as the agent saw it
    received_at REAL    NOT NULL,  -- when the collector stored it (collector clock)
    current     INTEGER NOT NULL,  -- 1: it became the agent's exposed report; 0: replayed
    PRIMARY KEY (agent, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reports_by_time ON reports (agent, timestamp);
CREATE INDEX IF NOT EXISTS reports_by_arrival ON reports (received_at);
"""


@dataclass(frozen=True, slots=True)
class LoggedReport:
    agent: str
    seq: int
    timestamp: float
    boot_time: float
    received_at: float
    current: bool


class ReportLog:
    """Thread-safe: the collector writes from one worker thread, queries may come from any."""

    def __init__(self, path: Path, retention: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.retention = retention
        self._clock = clock
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._pruned_at = 0.0

    def open(self) -> None:
        """Open (creating the file and its directory if needed) and drop expired reports."""
        # NORMAL syncs at checkpoints only, which loses at most the last reports on a power
        # cut, never the file.
        self._db = open_database(self.path, _SCHEMA, "NORMAL", SCHEMA_VERSION)
        self.prune()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def record(self, agent: str, seq: int, timestamp: float, boot_time: float,
               current: bool) -> bool:
        """Store a report; False when the agent's report ``seq`` was stored before."""
        now = self._clock()
        with self._lock:
            cursor = self._conn().execute(
                "INSERT OR IGNORE INTO reports VALUES (?, ?, ?, ?, ?, ?)",
                (agent, seq, timestamp, boot_time, now, int(current)))
            stored = cursor.rowcount == 1
        if now - self._pruned_at >= PRUNE_EVERY:
            self.prune()
        return stored

    def prune(self) -> int:
        """Delete reports received longer than the retention ago; return how many."""
        now = self._clock()
        with self._lock:
            cursor = self._conn().execute("DELETE FROM reports WHERE received_at < ?",
                                          (now - self.retention,))
        self._pruned_at = now
        return cursor.rowcount

    def highest_seqs(self) -> dict[str, int]:
        """The highest sequence number stored for each agent."""
        with self._lock:
            rows = self._conn().execute("SELECT agent, MAX(seq) FROM reports GROUP BY agent")
            return dict(rows.fetchall())

    def reports(self, agent: str, start: float | None = None,
                end: float | None = None) -> list[LoggedReport]:
        """The agent's reports with ``start <= timestamp <= end``, in sequence order."""
        query = "SELECT * FROM reports WHERE agent = ? AND timestamp >= ? AND timestamp <= ?"
        low = float("-inf") if start is None else start
        high = float("inf") if end is None else end
        return self._select(query + " ORDER BY seq", (agent, low, high))

    def boot_times_between(self, agent: str, start: float, end: float) -> list[float]:
        """The distinct boot times the agent reported from ``start`` to ``end``, oldest first.

        Boot times within ``BOOT_TIME_TOLERANCE`` of each other count as one boot.
        """
        boots: list[float] = []
        for report in sorted(self.reports(agent, start, end), key=lambda r: r.timestamp):
            if not boots or abs(report.boot_time - boots[-1]) > BOOT_TIME_TOLERANCE:
                boots.append(report.boot_time)
        return boots

    def server_stayed_up(self, agent: str, start: float, end: float) -> bool | None:
        """Whether the agent's server ran without a reboot from ``start`` to ``end``.

        True when the last report at or before ``start``, the first at or after ``end`` and
        every report between carry one boot time; False when the boot time changed; None
        when there is no report on one side, so nothing can be said.
        """
        query = "SELECT * FROM reports WHERE agent = ? AND timestamp "
        before = self._select(query + "<= ? ORDER BY timestamp DESC LIMIT 1", (agent, start))
        after = self._select(query + ">= ? ORDER BY timestamp LIMIT 1", (agent, end))
        if not before or not after:
            return None
        return len(self.boot_times_between(agent, before[0].timestamp, after[0].timestamp)) == 1

    def _select(self, query: str, args: tuple[object, ...]) -> list[LoggedReport]:
        with self._lock:
            rows = self._conn().execute(query, args).fetchall()
        return [LoggedReport(a, s, t, b, r, bool(c)) for a, s, t, b, r, c in rows]

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError(f"the report log {self.path} is not open")
        return self._db
