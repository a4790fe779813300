"""The outage log: every outage of a site or a link, open or closed, in SQLite.

It survives collector restarts: an outage open when the collector stopped is still open when
it starts again, so no second "down" mail goes out and the "recovered" mail still does. The
monthly report and the availability metric read it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from collector.sqlite import open_database

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


class OutageLog:
    """Thread-safe; every write is committed at once (an outage must survive a crash)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # A log written before services were checked, or outages acknowledged.
        self._db = open_database(self.path, _SCHEMA, added=[
            ("outages", "service", "TEXT"), ("outages", "acked_by", "TEXT"),
            ("outages", "acked_at", "REAL")])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def open(self, site: str, link: str | None, started_at: float, planned: bool = False,
             root_site: str | None = None, service: str | None = None) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO outages (site, link, started_at, planned, root_site, service) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (site, link, started_at, int(planned), root_site, service))
            return int(cursor.lastrowid or 0)

    def close_outage(self, outage_id: int, ended_at: float, cause: Cause = Cause.UNKNOWN,
                     evidence: Evidence | None = None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outages SET ended_at = ?, cause = ?, evidence = ? WHERE id = ?",
                (ended_at, cause.value, "" if evidence is None else evidence.encode(),
                 outage_id))

    def mark_announced(self, outage_id: int) -> None:
        with self._lock:
            self._db.execute("UPDATE outages SET announced = 1 WHERE id = ?", (outage_id,))

    def announced(self, outage_id: int) -> bool:
        with self._lock:
            row = self._db.execute("SELECT announced FROM outages WHERE id = ?",
                                   (outage_id,)).fetchone()
        return bool(row and row[0])

    def set_root(self, outage_id: int, root_site: str | None) -> None:
        with self._lock:
            self._db.execute("UPDATE outages SET root_site = ? WHERE id = ?",
                             (root_site, outage_id))

    def silence_told(self, agent: str, at: float) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO agent_silences VALUES (?, ?)", (agent, at))

    def silence_over(self, agent: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM agent_silences WHERE agent = ?", (agent,))

    def cert_warnings_told(self, site: str, service: str, expiry: float) -> set[int]:
        with self._lock:
            return {int(row[0]) for row in self._db.execute(
                "SELECT days FROM cert_warnings WHERE site = ? AND service = ? AND expiry = ?",
                (site, service, expiry))}

    def cert_warning_told(self, site: str, service: str, expiry: float,
                          thresholds: list[int]) -> None:
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO cert_warnings VALUES (?, ?, ?, ?)",
                                 [(site, service, expiry, days) for days in thresholds])

    def silences_told(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT agent FROM agent_silences")}

    def acknowledge(self, outage_id: int, by: str, at: float) -> Acknowledgement | None:
        """Record that ``by`` took the open outage in hand at ``at``; the acknowledgement that
        stands (an earlier one stays), or None when there is no such open outage."""
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
