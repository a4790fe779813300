"""The outbox: mails are stored first, then sent by one task that retries until the server
takes them.

Guarantees: a mail is committed to disk before any attempt to send it; it is marked sent only
once the server accepted it; pending mails outlive collector restarts; nothing is dropped.
A mail the server refuses for good (5xx) is kept as failed. A crash between the server's
acceptance and the mark may send a mail twice, with the same Message-ID, never lose one.

While the server cannot be reached, all mails wait behind one backoff (`mail.retry`: first,
doubling up to max); the log gets one line when the server goes away and one when it comes
back, not one per retry. A refusal of one mail that may pass later (4xx) delays that mail
only, on its own backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from collector.config.durations import format_duration
from collector.config.mail import MailRetry, MailSettings
from collector.mail.errors import MailError, MailErrorKind
from collector.mail.message import Mail
from collector.mail.store import MailStatus, MailStore
from collector.notify.outbox import backoff as notify_backoff

log = logging.getLogger(__name__)

FILE_NAME = "mail.sqlite3"


class Sender(Protocol):
    @property
    def server(self) -> str:
        """Where mail goes (host:port), for log lines."""
        ...

    async def send(self, mail: Mail) -> Sequence[str]:
        """Deliver `mail`; returns the refusals of single recipients; raises MailError."""
        ...


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


class Outbox:
    def __init__(self, path: Path, sender: Sender | None, settings: MailSettings,
                 clock: Callable[[], float] = time.time) -> None:
        """Without a `sender` (mail disabled) mails are stored as not sent, for the record."""
        self._store = MailStore(path)
        self._sender = sender
        self._retry = settings.retry
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._pending = 0
        self._sent = 0
        self._failed = 0
        self._failures = dict.fromkeys(MailErrorKind, 0)
        self._last_sent_at: float | None = None
        self._down: MailErrorKind | None = None
        self._server_attempts = 0
        self._server_retry_at: float | None = None
        self._mail_attempts: dict[int, int] = {}
        self._mail_retry_at: dict[int, float] = {}

    @property
    def path(self) -> Path:
        return self._store.path

    async def open(self) -> None:
        """Open the file and count what waits in it; `start` does this too."""
        await asyncio.to_thread(self._store.open)
        self._pending = await asyncio.to_thread(self._store.count, MailStatus.PENDING)
        self._last_sent_at = await asyncio.to_thread(self._store.last_sent_at)
        if self._pending and self._sender is not None:
            log.info("mail outbox: %d mails from before the restart wait to be sent",
                     self._pending)

    async def close(self) -> None:
        await asyncio.to_thread(self._store.close)

    async def start(self) -> None:
        """Open the file and start sending (what was pending before a restart goes first)."""
        await self.open()
        if self._sender is not None:
            self._task = asyncio.create_task(self._run(), name="mail-outbox")

    async def stop(self) -> None:
        """Stop sending and close the file. A mail being sent at that moment stays pending
        (and goes out after the next start)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.close()

    async def enqueue(self, mail: Mail) -> bool:
        """Store `mail` (committed when this returns), then have it sent. False when the same
        mail (by Message-ID) is already in the outbox."""
        if self._sender is None or not mail.to:
            added = await asyncio.to_thread(self._store.add, mail, MailStatus.NOT_SENT,
                                            self._clock())
            if added and self._sender is None:
                log.info("mail not sent (mail.enabled is false): %r", mail.subject)
            elif added:
                log.warning("mail not sent, nobody is configured to get it (add a central "
                            "group, or a group in the sites' notify): %r", mail.subject)
            return added
        added = await asyncio.to_thread(self._store.add, mail, MailStatus.PENDING, self._clock())
        if added:
            self._pending += 1
            self._wake.set()
        return added

    def pending(self) -> int:
        return self._pending

    def status(self, message_id: str) -> MailStatus | None:
        """What became of the mail with `message_id` (None: never stored); reads the file."""
        return self._store.status(message_id)

    def stats(self) -> OutboxStats:
        return OutboxStats(self._pending, self._sent, self._failed, dict(self._failures),
                           self._last_sent_at)

    async def deliver_due(self) -> float | None:
        """Send what is due, oldest first, until done or the server fails. Returns the clock
        time at which to call again, or None when nothing waits."""
        assert self._sender is not None
        if self._server_retry_at is not None and self._clock() < self._server_retry_at:
            return self._server_retry_at
        self._server_retry_at = None
        for row, mail in await asyncio.to_thread(self._store.pending):
            due = self._mail_retry_at.get(row)
            if due is not None and due > self._clock():
                continue
            try:
                refused = await self._sender.send(mail)
            except MailError as err:
                self._failures[err.kind] += 1
                if err.kind is MailErrorKind.REJECTED:
                    self._server_back()  # it answered, if only to refuse this mail
                if err.permanent:
                    await self._finish(row, MailStatus.FAILED, str(err))
                    log.error("mail refused by the server for good, kept as failed: %r: %s",
                              mail.subject, err.detail)
                elif err.kind is MailErrorKind.REJECTED:
                    await self._defer(row, mail, err)
                else:
                    await asyncio.to_thread(self._store.attempt_failed, row, str(err))
                    return self._server_failed(err)
                continue
            await self._finish(row, MailStatus.SENT)
            self._server_back()
            if refused:
                log.warning("mail sent, but some recipients were refused: %r: %s",
                            mail.subject, "; ".join(refused))
        return min(self._mail_retry_at.values(), default=None)

    async def _finish(self, row: int, status: MailStatus, error: str = "") -> None:
        now = self._clock()
        await asyncio.to_thread(self._store.finish, row, status, now, error)
        self._pending -= 1
        self._mail_attempts.pop(row, None)
        self._mail_retry_at.pop(row, None)
        if status is MailStatus.SENT:
            self._sent += 1
            self._last_sent_at = now
        else:
            self._failed += 1

    async def _defer(self, row: int, mail: Mail, err: MailError) -> None:
        await asyncio.to_thread(self._store.attempt_failed, row, str(err))
        attempts = self._mail_attempts[row] = self._mail_attempts.get(row, 0) + 1
        self._mail_retry_at[row] = self._clock() + backoff(attempts, self._retry)
        if attempts == 1:
            log.warning("mail deferred by the server, will retry: %r: %s", mail.subject,
                        err.detail)

    def _server_failed(self, err: MailError) -> float:
        self._server_attempts += 1
        self._server_retry_at = self._clock() + backoff(self._server_attempts, self._retry)
        if self._down is not err.kind:
            log.warning("mail server %s cannot take mail (%s: %s); %d mails wait, retrying "
                        "up to every %s", self._sender_name, err.kind.value, err.detail,
                        self._pending, format_duration(self._retry.max))
            self._down = err.kind
        return self._server_retry_at

    def _server_back(self) -> None:
        if self._down is not None:
            log.info("mail server %s takes mail again; %d mails wait", self._sender_name,
                     self._pending)
        self._down = None
        self._server_attempts = 0

    @property
    def _sender_name(self) -> str:
        return self._sender.server if self._sender is not None else "-"

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                next_at = await self.deliver_due()
            except Exception:
                # The sender must outlive a bad moment of the disk; the mails stay stored.
                log.exception("mail outbox: sending failed unexpectedly")
                next_at = self._clock() + self._retry.first
            timeout = None if next_at is None else max(next_at - self._clock(), 0.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
