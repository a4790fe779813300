"""The outbox's file: every mail the collector ever meant to send, and what became of it.

SQLite in the data directory, one row per mail, keyed by its Message-ID so that a mail
rendered twice from the same events is stored once.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from collector.mail.message import Mail
from collector.sqlite import LockedDatabase

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mails (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT    NOT NULL UNIQUE,
    mail        TEXT    NOT NULL,            -- the rendered Mail, as JSON
    status      TEXT    NOT NULL,            -- a MailStatus
    created_at  REAL    NOT NULL,            -- Unix time it was put in the outbox
    attempts    INTEGER NOT NULL DEFAULT 0,  -- failed attempts to send it
    last_error  TEXT    NOT NULL DEFAULT '',
    done_at     REAL                         -- when it was sent or given up
);
CREATE INDEX IF NOT EXISTS mails_by_status ON mails (status, id);
"""


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    """The server accepted it."""
    FAILED = "failed"
    """The server refused it for good (5xx); kept, never sent again."""
    NOT_SENT = "not_sent"
    """Kept as a record only: mail is disabled, or nobody is configured to get it."""


class MailStore(LockedDatabase):
    """Thread-safe; every write is committed (and synced) before the call returns."""

    def __init__(self, path: Path) -> None:
        # FULL, not NORMAL: the outage a mail reports may well be the power cut that takes
        # this host down a second later, and the mail must still be there after it.
        super().__init__(path, _SCHEMA, "FULL", SCHEMA_VERSION)

    def add(self, mail: Mail, status: MailStatus, now: float) -> bool:
        """Store `mail`; False if a mail with its Message-ID is already stored."""
        _, changed = self._execute(
            "INSERT OR IGNORE INTO mails (message_id, mail, status, created_at) "
            "VALUES (?, ?, ?, ?)", (mail.message_id, mail.to_json(), status.value, now))
        return changed == 1

    def pending(self) -> list[tuple[int, Mail]]:
        """Mails still to send, oldest first."""
        rows, _ = self._execute("SELECT id, mail FROM mails WHERE status = ? ORDER BY id",
                                (MailStatus.PENDING.value,))
        return [(row_id, Mail.from_json(text)) for row_id, text in rows]

    def count(self, status: MailStatus) -> int:
        rows, _ = self._execute("SELECT count(*) FROM mails WHERE status = ?", (status.value,))
        return int(rows[0][0])

    def last_sent_at(self) -> float | None:
        rows, _ = self._execute("SELECT max(done_at) FROM mails WHERE status = ?",
                                (MailStatus.SENT.value,))
        return None if rows[0][0] is None else float(rows[0][0])

    def status(self, message_id: str) -> MailStatus | None:
        rows, _ = self._execute("SELECT status FROM mails WHERE message_id = ?", (message_id,))
        return MailStatus(rows[0][0]) if rows else None

    def attempt_failed(self, row_id: int, error: str) -> None:
        self._execute("UPDATE mails SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                      (error, row_id))

    def finish(self, row_id: int, status: MailStatus, now: float, error: str = "") -> None:
        """Record that the mail was sent, or refused for good with `error`."""
        self._execute("UPDATE mails SET status = ?, done_at = ?, last_error = ?, "
                      "attempts = attempts + ? WHERE id = ?",
                      (status.value, now, error, int(status is MailStatus.FAILED), row_id))
