"""The outage log: every outage of a site or a link, open or closed, in SQLite.

It survives collector restarts: an outage open when the collector stopped is still open when
it starts again, so no second "down" mail goes out and the "recovered" mail still does. The
monthly report and the availability metric read it.

It also holds the notifications the engine has decided and the outbox has not taken yet
(`decided`): a kill inside the grouping window, or an outbox that cannot be written, loses
none of them. What the engine decides in one step (an outage marked announced and the
notification that announces it) is committed in one transaction.

Writes never fail the caller: one that cannot be committed (a full disk, a file locked by
another process) is kept in memory, in order, and written with the next ones once the file
takes writes again; the failure is logged once and counted (`stats`). Outage ids are given
here, not by SQLite, so that an outage kept in memory has its id already.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from collector.sqlite import immediate, open_database

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 250
"""How long a write waits for a lock another process holds: the event loop writes, so a
locked file must cost little; what cannot be written waits in memory for the next try."""
RETRY_SECONDS = 1.0
"""After a failed commit, the next try comes no sooner than this (writes meanwhile wait)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outages (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    link TEXT,                -- NULL: the site as a whole
    started_at REAL NOT NULL, -- Unix time
    ended_at REAL,            -- NULL while the outage lasts
    cause TEXT NOT NULL DEFAULT 'unknown',
    evidence TEXT NOT NULL DEFAULT '',  -- JSON of Evidence, or '' for none
    planned INTEGER NOT NULL DEFAULT 0,
    root_site TEXT,           -- the site whose cut this outage is behind; NULL for the cut itself
    announced INTEGER NOT NULL DEFAULT 0, -- its "down" mail went to the outbox
    service TEXT,             -- a service of the site (link NULL then); NULL: the site or a link
    acked_by TEXT,            -- who took it in hand ("Ditangani"), NULL until someone did
    acked_at REAL
);
CREATE INDEX IF NOT EXISTS outages_open ON outages (ended_at);
CREATE INDEX IF NOT EXISTS outages_time ON outages (started_at);
-- Agents whose silence was notified: only they get an "agent back", also after a restart.
-- Certificate expiry warnings told, one per threshold (days) per certificate.
CREATE TABLE IF NOT EXISTS cert_warnings (
    site TEXT NOT NULL,
    service TEXT NOT NULL,
    expiry REAL NOT NULL,     -- the certificate's notAfter (Unix time): a new one starts over
    days INTEGER NOT NULL,
    PRIMARY KEY (site, service, expiry, days)
);
CREATE TABLE IF NOT EXISTS agent_silences (
    agent TEXT PRIMARY KEY,
    since REAL NOT NULL       -- when the silence was notified (Unix time)
);
-- Notifications decided and not yet taken by the outbox, in the order they were decided.
CREATE TABLE IF NOT EXISTS decided (
    id INTEGER PRIMARY KEY,
    batch INTEGER,            -- NULL: in the grouping window; else the batch that fell due
    deadline REAL NOT NULL,   -- when its grouping window closes (Unix time)
    body TEXT NOT NULL        -- the notification (collector.alerting.notifications.encode)
);
"""


class Cause(StrEnum):
    """What an outage most likely was."""

    LINK = "link"
    """The site's server reported through the gap: it stayed up, the link failed."""
    POWER = "power"
    """The site's router or server restarted inside the gap: it lost power."""
    UNKNOWN = "unknown"
    """No evidence either way."""


class EvidenceKind(StrEnum):
    ROUTER_RESTARTED = "router_restarted"
    """A router of the site restarted (its sysUpTime went back) at `at`."""
    SERVER_BOOTED = "server_booted"
    """A server of the site booted at `at` (its agent's reports carry the new boot time)."""
    SERVER_REPORTED = "server_reported"
    """Servers of the site kept reporting through the gap from the same boot."""


@dataclass(frozen=True)
class Evidence:
    """What a cause was judged from: data, phrased by each reader in its own language."""

    kind: EvidenceKind
    who: tuple[str, ...]
    """The devices or agents it is about."""
    at: float | None = None
    """When the restart or boot happened (Unix time), if it is one."""

    def encode(self) -> str:
        return json.dumps({"kind": self.kind.value, "who": list(self.who), "at": self.at},
                          sort_keys=True)

    @classmethod
    def decode(cls, text: str) -> Evidence | None:
        """The evidence stored as ``text``; None for none, or for the free text that
        earlier versions stored."""
        try:
            data = json.loads(text)
            return cls(EvidenceKind(data["kind"]), tuple(str(w) for w in data["who"]),
                       None if data.get("at") is None else float(data["at"]))
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class Outage:
    id: int
    site: str
    link: str | None
    started_at: float
    ended_at: float | None
    cause: Cause
    evidence: Evidence | None
    planned: bool
    root_site: str | None
    service: str | None = None
    """A service's own outage (its site reachable); None for the site's or a link's."""

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


@dataclass(frozen=True)
class Acknowledgement:
    """Someone took an outage in hand: who (a name or a Telegram user) and when."""

    by: str
    at: float


@dataclass
class WriteStats:
    """What could not be written at once, since the collector started."""

    failures: int = 0
    """Commits that failed (each retried later)."""
    unwritten: int = 0
    """Changes waiting in memory for the file to take writes again."""


@dataclass(frozen=True)
class Decided:
    """A notification decided and not yet taken by the outbox: its row, and the batch it fell
    due in (None while its grouping window lasts)."""

    row: int
    batch: int | None
    deadline: float
    body: str


Statement = tuple[str, tuple[object, ...]]


class OutageLog:
    """Thread-safe; every write is committed at once (an outage must survive a crash), or
    kept in memory until it can be."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # A log written before services were checked, or outages acknowledged.
        self._db = open_database(self.path, _SCHEMA, added=[
            ("outages", "service", "TEXT"), ("outages", "acked_by", "TEXT"),
            ("outages", "acked_at", "REAL")])
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._next_id = self._max_id("outages") + 1
        self._next_decided = self._max_id("decided") + 1
        self._unwritten: list[Statement] = []
        self._depth = 0
        self._failing: str | None = None
        self._retry_at = 0.0
        # Thresholds told whose write may still wait in memory: never told twice.
        self._told: set[tuple[str, str, float, int]] = set()
        self.stats = WriteStats()

    def _max_id(self, table: str) -> int:
        return int(self._db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])

    def close(self) -> None:
        self.flush(force=True)
        with self._lock:
            if self._unwritten:
                log.error("%s: %d changes could not be written before the collector stopped",
                          self.path, len(self._unwritten))
            self._db.close()

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside are committed together when the outermost one ends."""
        with self._lock:
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                outermost = self._depth == 0
            if outermost:
                self.flush()

    def _write(self, *statements: Statement) -> None:
        with self._lock:
            self._unwritten.extend(statements)
            self.stats.unwritten = len(self._unwritten)
            if self._depth:
                return
        self.flush()

    def flush(self, force: bool = False) -> bool:
        """Commit what waits (unless a transaction is under way, or a commit failed less than
        RETRY_SECONDS ago and not ``force``); whether nothing waits."""
        with self._lock:
            if not self._unwritten:
                return True
            if self._depth or (not force and time.monotonic() < self._retry_at):
                return False
            try:
                with immediate(self._db) as db:
                    for query, args in self._unwritten:
                        db.execute(query, args)
            except sqlite3.Error as err:
                self.stats.failures += 1
                self.stats.unwritten = len(self._unwritten)
                if self._failing is None:
                    log.error("%s cannot be written (%s): %d changes kept in memory, and "
                              "written as soon as it can be", self.path, err,
                              len(self._unwritten))
                self._failing = str(err)
                self._retry_at = time.monotonic() + RETRY_SECONDS
                return False
            if self._failing is not None:
                log.warning("%s is written again: the %d changes kept in memory are on disk",
                            self.path, len(self._unwritten))
                self._failing = None
            self._unwritten.clear()
            self._told.clear()  # on disk now
            self.stats.unwritten = 0
            return True

    def open(self, site: str, link: str | None, started_at: float, planned: bool = False,
             root_site: str | None = None, service: str | None = None) -> int:
        with self._lock:
            outage_id, self._next_id = self._next_id, self._next_id + 1
        self._write(("INSERT INTO outages (id, site, link, started_at, planned, root_site, "
                     "service) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (outage_id, site, link, started_at, int(planned), root_site, service)))
        return outage_id

    def close_outage(self, outage_id: int, ended_at: float, cause: Cause = Cause.UNKNOWN,
                     evidence: Evidence | None = None) -> None:
        self._write(("UPDATE outages SET ended_at = ?, cause = ?, evidence = ? WHERE id = ?",
                     (ended_at, cause.value, "" if evidence is None else evidence.encode(),
                      outage_id)))

    def mark_announced(self, outage_id: int) -> None:
        self._write(("UPDATE outages SET announced = 1 WHERE id = ?", (outage_id,)))

    def set_root(self, outage_id: int, root_site: str | None) -> None:
        self._write(("UPDATE outages SET root_site = ? WHERE id = ?", (root_site, outage_id)))

    def silence_told(self, agent: str, at: float) -> None:
        self._write(("INSERT OR REPLACE INTO agent_silences VALUES (?, ?)", (agent, at)))

    def silence_over(self, agent: str) -> None:
        self._write(("DELETE FROM agent_silences WHERE agent = ?", (agent,)))

    def cert_warning_told(self, site: str, service: str, expiry: float,
                          thresholds: list[int]) -> None:
        with self._lock:
            self._told.update((site, service, expiry, days) for days in thresholds)
        self._write(*(("INSERT OR IGNORE INTO cert_warnings VALUES (?, ?, ?, ?)",
                       (site, service, expiry, days)) for days in thresholds))

    # -- the notifications decided ------------------------------------------------------------

    def decide(self, body: str, deadline: float, batch: int | None = None) -> int:
        """Keep a notification decided (in the grouping window closing at ``deadline``, or in
        ``batch``); its row."""
        with self._lock:
            row, self._next_decided = self._next_decided, self._next_decided + 1
        self._write(("INSERT INTO decided (id, batch, deadline, body) VALUES (?, ?, ?, ?)",
                     (row, batch, deadline, body)))
        return row

    def withdraw(self, rows: list[int]) -> None:
        """Notifications taken back before their window closed."""
        self._write(*(("DELETE FROM decided WHERE id = ?", (row,)) for row in rows))

    def fall_due(self, rows: list[int], batch: int) -> None:
        """The grouping window of ``rows`` closed: they go out in ``batch``."""
        self._write(*(("UPDATE decided SET batch = ? WHERE id = ?", (batch, row))
                      for row in rows))

    def handed_over(self, batch: int) -> None:
        """The outbox has ``batch``: it is its to send."""
        self._write(("DELETE FROM decided WHERE batch = ?", (batch,)))

    def decided(self) -> list[Decided]:
        """Every notification decided and not handed over, as the file has them, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, batch, deadline, body FROM decided ORDER BY id").fetchall()
        return [Decided(*row) for row in rows]

    # -- reading ------------------------------------------------------------------------------

    def announced(self, outage_id: int) -> bool:
        with self._lock:
            row = self._db.execute("SELECT announced FROM outages WHERE id = ?",
                                   (outage_id,)).fetchone()
        return bool(row and row[0])

    def cert_warnings_told(self, site: str, service: str, expiry: float) -> set[int]:
        with self._lock:
            stored = {int(row[0]) for row in self._db.execute(
                "SELECT days FROM cert_warnings WHERE site = ? AND service = ? AND expiry = ?",
                (site, service, expiry))}
            return stored | {days for (s, name, when, days) in self._told
                             if (s, name, when) == (site, service, expiry)}

    def silences_told(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT agent FROM agent_silences")}

    def acknowledge(self, outage_id: int, by: str, at: float) -> Acknowledgement | None:
        """Record that ``by`` took the open outage in hand at ``at``; the acknowledgement that
        stands (an earlier one stays), or None when there is no such open outage (or one whose
        start still waits in memory). Written at once: raises sqlite3.Error when the file
        takes no writes."""
        with self._lock:
            self._db.execute(
                "UPDATE outages SET acked_by = ?, acked_at = ? "
                "WHERE id = ? AND ended_at IS NULL AND acked_by IS NULL", (by, at, outage_id))
            row = self._db.execute(
                "SELECT acked_by, acked_at FROM outages WHERE id = ? AND ended_at IS NULL",
                (outage_id,)).fetchone()
        return None if row is None else Acknowledgement(row[0], row[1])

    def acknowledgement(self, outage_id: int) -> Acknowledgement | None:
        with self._lock:
            row = self._db.execute("SELECT acked_by, acked_at FROM outages WHERE id = ?",
                                   (outage_id,)).fetchone()
        return None if row is None or row[0] is None else Acknowledgement(row[0], row[1])

    def open_acknowledgements(self) -> dict[tuple[str, str | None, str | None],
                                            Acknowledgement]:
        """Open outages someone took in hand, by (site, link, service) as the outage names
        them (link and service None for the site's own)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT site, link, service, acked_by, acked_at FROM outages "
                "WHERE ended_at IS NULL AND acked_by IS NOT NULL ORDER BY id").fetchall()
        return {(row[0], row[1], row[2]): Acknowledgement(row[3], row[4]) for row in rows}

    def get(self, outage_id: int) -> Outage | None:
        found = self._select("SELECT * FROM outages WHERE id = ?", (outage_id,))
        return found[0] if found else None

    def open_outages(self) -> list[Outage]:
        return self._select("SELECT * FROM outages WHERE ended_at IS NULL ORDER BY id", ())

    def between(self, start: float, end: float) -> list[Outage]:
        """Outages that overlap [start, end), open ones included, oldest first."""
        return self._select(
            "SELECT * FROM outages WHERE started_at < ? AND (ended_at IS NULL OR ended_at > ?) "
            "ORDER BY started_at, id", (end, start))

    def _select(self, query: str, args: tuple[object, ...]) -> list[Outage]:
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [Outage(row[0], row[1], row[2], row[3], row[4], Cause(row[5]),
                       Evidence.decode(row[6]), bool(row[7]), row[8], row[10]) for row in rows]


def outage_log_path(data_dir: Path) -> Path:
    """Where the collector keeps its outage log, in its data directory."""
    return data_dir / "outages.sqlite"
