"""The outbox's file for every channel: each message the collector meant to send, to whom,
and what became of it.

SQLite in the data directory, one row per (channel, recipient, idempotency key): the same
notification group rendered again for the same recipient is stored once, so it is never sent
twice, also across restarts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from collector.sqlite import LockedDatabase

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY,
    channel     TEXT    NOT NULL,            -- mail, telegram, webhook
    recipient   TEXT    NOT NULL,            -- an address, a chat, a URL
    key         TEXT    NOT NULL,            -- the notification group's idempotency key
    payload     TEXT    NOT NULL,            -- what the channel sends, rendered
    title       TEXT    NOT NULL,            -- for log lines
    status      TEXT    NOT NULL,            -- a MessageStatus
    created_at  REAL    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,  -- failed attempts to send it
    last_error  TEXT    NOT NULL DEFAULT '',
    done_at     REAL,                        -- when it was sent or given up
    reference   TEXT,                        -- what the channel calls it once sent
    tags        TEXT    NOT NULL DEFAULT '', -- ' outage:12 outage:13 ': what it is about
    unknown     INTEGER NOT NULL DEFAULT 0,  -- sendings with no answer after the whole message
    UNIQUE (channel, recipient, key)
);
CREATE INDEX IF NOT EXISTS messages_by_status ON messages (status, channel, id);
"""


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Refused for good (a chat that blocked the bot, a webhook URL that is gone)."""
    NOT_SENT = "not_sent"
    """Kept as a record only: its channel is not configured (mail disabled), or nobody is
    configured to get it."""


@dataclass(frozen=True)
class Message:
    channel: str
    recipient: str
    key: str
    """The idempotency key of the notification group it tells about."""
    payload: str
    title: str
    tags: tuple[str, ...] = ()
    """What it is about, to find it again once sent (`outage:12`: it carries a button to
    acknowledge outage 12)."""


@dataclass(frozen=True)
class StoredMessage:
    """A message with what became of it."""

    message: Message
    status: MessageStatus
    created_at: float
    attempts: int = 0
    last_error: str = ""
    done_at: float | None = None


@dataclass(frozen=True)
class SentMessage:
    row: int
    message: Message
    reference: str | None
    """What the channel called it when it took it (Telegram's message_id)."""


class MessageStore(LockedDatabase):
    """Thread-safe; every write is committed (and synced) before the call returns."""

    def __init__(self, path: Path) -> None:
        # FULL: the outage a message reports may be the power cut that takes this host down.
        super().__init__(path, _SCHEMA, "FULL", SCHEMA_VERSION, added=[
            ("messages", "reference", "TEXT"),
            ("messages", "tags", "TEXT NOT NULL DEFAULT ''"),
            ("messages", "unknown", "INTEGER NOT NULL DEFAULT 0")])

    def add(self, messages: list[tuple[Message, MessageStatus]], now: float) -> int:
        """Store ``messages`` in one transaction; how many were new."""
        return self._execute_many([(
            "INSERT OR IGNORE INTO messages (channel, recipient, key, payload, title, status, "
            "created_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (message.channel, message.recipient, message.key, message.payload, message.title,
             status.value, now, _tags(message.tags))) for message, status in messages])

    def restore(self, records: list[StoredMessage]) -> int:
        """Store messages with what became of them so far (moved from another file), in one
        transaction; how many were new."""
        return self._execute_many([(
            "INSERT OR IGNORE INTO messages (channel, recipient, key, payload, title, status, "
            "created_at, attempts, last_error, done_at, tags) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.message.channel, r.message.recipient, r.message.key, r.message.payload,
             r.message.title, r.status.value, r.created_at, r.attempts, r.last_error,
             r.done_at, _tags(r.message.tags))) for r in records])

    def pending(self, channel: str) -> list[tuple[int, Message]]:
        """The channel's messages still to send, oldest first."""
        rows, _ = self._execute(
            "SELECT id, channel, recipient, key, payload, title, tags FROM messages "
            "WHERE status = ? AND channel = ? ORDER BY id",
            (MessageStatus.PENDING.value, channel))
        return [(row[0], _message(row[1:])) for row in rows]

    def sent_with(self, channel: str, tag: str) -> list[SentMessage]:
        """The channel's messages sent with ``tag``, oldest first."""
        rows, _ = self._execute(
            "SELECT id, channel, recipient, key, payload, title, tags, reference FROM messages "
            "WHERE channel = ? AND status = ? AND instr(tags, ?) > 0 ORDER BY id",
            (channel, MessageStatus.SENT.value, f" {tag} "))
        return [SentMessage(row[0], _message(row[1:7]), row[7]) for row in rows]

    def count(self, channel: str, status: MessageStatus) -> int:
        rows, _ = self._execute("SELECT count(*) FROM messages WHERE channel = ? AND status = ?",
                                (channel, status.value))
        return int(rows[0][0])

    def oldest_pending(self, channel: str) -> float | None:
        rows, _ = self._execute(
            "SELECT min(created_at) FROM messages WHERE channel = ? AND status = ?",
            (channel, MessageStatus.PENDING.value))
        return None if rows[0][0] is None else float(rows[0][0])

    def status(self, channel: str, key: str, recipient: str | None = None
               ) -> MessageStatus | None:
        """What became of the message of ``channel`` with ``key`` (for ``recipient``, or the
        first stored); None when there is none."""
        rows, _ = self._execute(
            "SELECT status FROM messages WHERE channel = ? AND key = ? "
            "AND (? IS NULL OR recipient = ?) ORDER BY id LIMIT 1",
            (channel, key, recipient, recipient))
        return MessageStatus(rows[0][0]) if rows else None

    def last_sent(self, channel: str) -> float | None:
        rows, _ = self._execute("SELECT max(done_at) FROM messages WHERE channel = ? "
                                "AND status = ?", (channel, MessageStatus.SENT.value))
        return None if rows[0][0] is None else float(rows[0][0])

    def attempt_failed(self, row_id: int, error: str) -> None:
        self._execute("UPDATE messages SET attempts = attempts + 1, last_error = ? "
                      "WHERE id = ?", (error, row_id))

    def fate_unknown(self, row_id: int) -> int:
        """One more sending of the row whose fate is unknown; how many there have been."""
        self._execute_many([("UPDATE messages SET unknown = unknown + 1 WHERE id = ?",
                             (row_id,))])
        rows, _ = self._execute("SELECT unknown FROM messages WHERE id = ?", (row_id,))
        return int(rows[0][0]) if rows else 0

    def finish(self, row_id: int, status: MessageStatus, now: float, error: str = "",
               reference: str | None = None) -> None:
        self._execute("UPDATE messages SET status = ?, done_at = ?, last_error = ?, "
                      "attempts = attempts + ?, reference = ? WHERE id = ?",
                      (status.value, now, error, int(status is MessageStatus.FAILED), reference,
                       row_id))


def _tags(tags: Sequence[str]) -> str:
    return f" {' '.join(tags)} " if tags else ""


def _message(row: Sequence[str]) -> Message:
    channel, recipient, key, payload, title, tags = row
    return Message(channel, recipient, key, payload, title, tuple(tags.split()))
