"""Mail's view of the one outbox: mails go in as messages of the mail channel, and come out
as the figures `pantau_mail_*` have always shown.

The outbox (`collector.notify.outbox`) gives mail what it gives every channel: a mail is
committed to disk before any attempt to send it; it is marked sent only once the server
accepted it; the same Message-ID (to the same addresses) is stored once; pending mails outlive
restarts; nothing is dropped. A mail the server refuses for good (5xx) is kept as failed. A
crash between the server's acceptance and the mark may send a mail twice, with the same
Message-ID, never lose one. While the server cannot be reached all mails wait behind one
backoff (`mail.retry`), logged once when it goes and once when it comes back; a 4xx refusal
of one mail delays that mail only. Mail disabled, or nobody to get a mail: kept as a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from collector.config.mail import MailRetry
from collector.mail.channel import NAME, MailChannel, mail_message
from collector.mail.errors import MailErrorKind
from collector.mail.message import Mail
from collector.notify.outbox import Outbox
from collector.notify.outbox import backoff as notify_backoff
from collector.notify.store import Message, MessageStatus


@dataclass(frozen=True)
class OutboxStats:
    """Counts since the collector started, except `pending` and `last_sent_at`, which come
    from the outbox file."""

    pending: int
    sent: int
    failed: int
    failures: dict[MailErrorKind, int] = field(default_factory=dict)
    """Failed attempts by kind, retries included."""
    last_sent_at: float | None = None


def backoff(attempts: int, retry: MailRetry) -> float:
    """Seconds to wait after the `attempts`-th failure in a row: first, doubling, at most max."""
    return notify_backoff(attempts, retry.first, retry.max)


class MailOutbox:
    """The mails of ``box``, sent by ``channel`` (None: mail is disabled)."""

    def __init__(self, box: Outbox, channel: MailChannel | None) -> None:
        self.box = box
        self.channel = channel
        """Replaced by a reload that changes the mail settings."""

    @property
    def path(self) -> Path:
        return self.box.path

    async def open(self) -> None:
        await self.box.open()

    async def start(self) -> None:
        await self.box.start()

    async def stop(self) -> None:
        await self.box.stop()

    async def close(self) -> None:
        await self.box.stop()

    @staticmethod
    def message(mail: Mail) -> Message:
        return mail_message(mail)

    async def enqueue(self, mail: Mail) -> bool:
        """Store `mail` (committed when this returns), then have it sent. False when the same
        mail (by Message-ID) is already in the outbox."""
        return await self.box.enqueue([mail_message(mail)]) == 1

    async def deliver_due(self) -> float | None:
        return await self.box.deliver_due(NAME)

    def pending(self) -> int:
        stats = self.box.stats().get(NAME)
        return 0 if stats is None else stats.pending

    def status(self, message_id: str) -> MessageStatus | None:
        """What became of the mail with `message_id` (None: never stored); reads the file."""
        return self.box.status_of(NAME, message_id)

    def stats(self) -> OutboxStats:
        stats = self.box.stats().get(NAME)
        failures = dict(self.channel.failures) if self.channel is not None else {}
        if stats is None:
            return OutboxStats(0, 0, 0, failures)
        return OutboxStats(stats.pending, stats.sent, stats.failed, failures,
                           stats.last_sent_at)
