"""One outbox for every channel: messages are stored first, then delivered by one task per
channel that retries with backoff through restarts.

Guarantees, for every channel alike: a message is committed to disk before any attempt to
send it; it is marked sent only once the channel accepted it; the same (channel, recipient,
notification group) is stored once, so it is never sent twice on purpose; pending messages
outlive restarts; nothing is dropped. A refusal for good (a chat that blocked the bot, a
webhook that answers 404) fails that message and counts it; it is not retried forever.

What became of a message is written once the channel has answered; when the file cannot take
that write (a full disk, a lock held by another process), it is kept in memory and written
later, and the message is not offered to the channel again meanwhile: a full disk delays, and
never doubles, a message. (A crash before that write may send it again at the next start,
with the same key: the one resend the contract allows.)

A message whose fate is unknown (it went out whole and no answer came: the server may have
taken it) is sent once more, with the same key (a mail's Message-ID), because losing it is
worse than a duplicate the reader's mail program can fold; should the fate of that second
sending be unknown too, it is kept as sent, unconfirmed, logged and counted, and not sent a
third time. The count is kept in the file, so a restart does not start it over.

Channels fail apart: while Telegram cannot be reached its messages wait behind their own
backoff, and mail and webhooks go on. A channel down gets one log line when it goes and one
when it comes back, not one per retry. A channel may ask for a pause (Telegram's 429 with
`retry_after`): the whole channel waits that long, at least.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from collector.errors import PantauError
from collector.notify.store import Message, MessageStatus, MessageStore, SentMessage

log = logging.getLogger(__name__)


FAILURE_KINDS = ("connect", "tls", "timeout", "server", "auth", "rate_limited", "refused",
                 "other")
"""The kinds a channel's DeliveryError takes: a small fixed set, for a metric label."""


class DeliveryError(PantauError):
    """A failed delivery. ``kind`` is a small fixed word (it labels a metric); ``permanent``:
    sending this message again would fail again; ``channel_down``: the channel itself cannot
    take messages now (not only this one); ``retry_after``: how long the other side asked to
    wait (the channel's, or this message's), in place of the backoff; ``unknown``: the message
    went out whole and no answer came, so the other side may have taken it."""

    def __init__(self, kind: str, detail: str, *, permanent: bool = False,
                 channel_down: bool = True, retry_after: float | None = None,
                 unknown: bool = False) -> None:
        self.kind = kind
        self.detail = detail
        self.permanent = permanent
        self.channel_down = channel_down and not permanent
        self.retry_after = retry_after
        self.unknown = unknown and not permanent
        super().__init__(f"{kind}: {detail}")


class Channel(Protocol):
    @property
    def name(self) -> str:
        """The channel's name (mail, telegram, webhook): the messages' `channel`."""
        ...

    @property
    def destination(self) -> str:
        """Where it delivers, for log lines (a server, an API)."""
        ...

    async def send(self, message: Message) -> str | None:
        """Deliver ``message``; what the other side calls it, if it says (a chat's message
        id, to edit it later). Raises DeliveryError."""
        ...

    def abort(self) -> None:
        """Cut short a sending under way in another thread (the collector stops): what it
        was sending stays pending. Sendings on the event loop end when their task is
        cancelled, and need nothing here."""
        ...


def backoff(attempts: int, first: float, maximum: float) -> float:
    """Seconds to wait after the `attempts`-th failure in a row: first, doubling, at most
    maximum."""
    return min(first * 2 ** min(attempts - 1, 62), maximum)


@dataclass
class ChannelStats:
    """Counts since the collector started, except `pending`, `oldest_pending_at` and what
    the file holds."""

    pending: int = 0
    sent: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    """Failed attempts by kind, retries included."""
    last_sent_at: float | None = None
    oldest_pending_at: float | None = None
    unknown: int = 0
    """Sendings whose fate was unknown (no answer after the whole message went out)."""
    unconfirmed: int = 0
    """Messages kept as sent after two such sendings: not sent a third time."""
    unmarked_failures: int = 0
    """Writes of a sent message's status that failed (each tried again; the message is not
    sent again meanwhile)."""


@dataclass
class _ChannelState:
    channel: Channel
    stats: ChannelStats = field(default_factory=ChannelStats)
    down: str | None = None
    attempts: int = 0
    retry_at: float | None = None
    message_attempts: dict[int, int] = field(default_factory=dict)
    message_retry_at: dict[int, float] = field(default_factory=dict)
    unmarked: dict[int, tuple[MessageStatus, float, str, str | None]] = field(
        default_factory=dict)
    """Rows sent (or failed for good) whose new status the file has not taken yet."""
    marking_failed: bool = False
    unknown: dict[int, int] = field(default_factory=dict)
    """Sendings of a row whose fate was unknown, as far as memory knows."""
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Outbox:
    def __init__(self, path: Path, channels: Sequence[Channel], first: float, maximum: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = MessageStore(path)
        self._channels = {channel.name: _ChannelState(channel) for channel in channels}
        self._first, self._max = first, maximum
        self._clock = clock

    @property
    def path(self) -> Path:
        return self._store.path

    async def open(self) -> None:
        await asyncio.to_thread(self._store.open)
        for state in self._channels.values():
            await self._count(state, "before the restart")

    async def _count(self, state: _ChannelState, since: str) -> None:
        name = state.channel.name
        state.stats.pending = await asyncio.to_thread(self._store.count, name,
                                                      MessageStatus.PENDING)
        state.stats.oldest_pending_at = await asyncio.to_thread(self._store.oldest_pending,
                                                                name)
        state.stats.last_sent_at = await asyncio.to_thread(self._store.last_sent, name)
        if state.stats.pending:
            log.info("%s: %d messages from %s wait to be sent", name, state.stats.pending,
                     since)

    async def start(self) -> None:
        """Open the file and start a delivery task per channel."""
        await self.open()
        for state in self._channels.values():
            self._start(state)

    def _start(self, state: _ChannelState) -> None:
        state.task = asyncio.create_task(self._run(state), name=f"outbox-{state.channel.name}")

    async def stop(self) -> None:
        """Stop delivering and close the file; a message being sent stays pending."""
        for state in self._channels.values():
            await self._halt(state)
        await asyncio.to_thread(self._store.close)

    @staticmethod
    async def _halt(state: _ChannelState) -> None:
        state.channel.abort()
        if state.task is not None:
            state.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await state.task
            state.task = None

    async def reconfigure(self, channels: Sequence[Channel], first: float,
                          maximum: float) -> None:
        """Deliver with ``channels`` from now on (a reload). A channel given again (the
        same object) goes on as it was, a sending under way included; one replaced is
        stopped (what it was sending stays pending) and its replacement goes on with its
        messages; those pending on one removed wait in the file until it is enabled again
        (what is decided while it is not is kept as a record, as always)."""
        self._first, self._max = first, maximum
        wanted = {channel.name: channel for channel in channels}
        for name in list(self._channels):
            if wanted.get(name) is self._channels[name].channel:
                continue
            state = self._channels[name]
            await self._halt(state)
            if name not in wanted:
                del self._channels[name]
                log.info("%s is no longer enabled: %d messages wait in the outbox", name,
                         state.stats.pending)
                continue
            state.channel, state.down, state.attempts, state.retry_at = wanted[name], None, 0, None
            state.message_retry_at.clear()
            self._start(state)
        for name in wanted.keys() - self._channels.keys():
            state = self._channels[name] = _ChannelState(wanted[name])
            await self._count(state, "before it was enabled")
            self._start(state)

    async def enqueue(self, messages: Sequence[Message]) -> int:
        """Store ``messages`` (committed together when this returns), then have them sent;
        how many were new. A message for a channel that is not configured is kept as a
        record (not sent)."""
        rows = [(message, MessageStatus.PENDING
                 if message.channel in self._channels and message.recipient
                 else MessageStatus.NOT_SENT) for message in messages]
        added = await asyncio.to_thread(self._store.add, rows, self._clock())
        for message, status in rows:
            if status is not MessageStatus.NOT_SENT:
                continue
            if message.channel not in self._channels:
                log.info("%s is not enabled: %r kept as a record, not sent", message.channel,
                         message.title)
            else:
                log.warning("%s: nobody is configured to get %r (add a central group, or a "
                            "group in the sites' notify): kept as a record, not sent",
                            message.channel, message.title)
        for name in {message.channel for message, status in rows
                     if status is MessageStatus.PENDING}:
            state = self._channels[name]
            state.stats.pending = await asyncio.to_thread(self._store.count, name,
                                                          MessageStatus.PENDING)
            state.stats.oldest_pending_at = await asyncio.to_thread(self._store.oldest_pending,
                                                                    name)
            state.wake.set()
        return added

    def status(self, message: Message) -> MessageStatus | None:
        return self._store.status(message.channel, message.key, message.recipient)

    def status_of(self, channel: str, key: str) -> MessageStatus | None:
        """What became of ``channel``'s message with ``key``; reads the file."""
        return self._store.status(channel, key)

    async def sent_with(self, channel: str, tag: str) -> list[SentMessage]:
        """Messages of ``channel`` sent with ``tag`` (to edit them)."""
        return await asyncio.to_thread(self._store.sent_with, channel, tag)

    def stats(self) -> Mapping[str, ChannelStats]:
        return {name: state.stats for name, state in self._channels.items()}

    async def deliver_due(self, name: str) -> float | None:
        """Send what is due on channel ``name``, oldest first, until done or the channel
        fails; the clock time at which to call again, or None when nothing waits."""
        state = self._channels[name]
        if state.retry_at is not None and self._clock() < state.retry_at:
            return state.retry_at
        state.retry_at = None
        if not await self._mark_unmarked(state):
            return self._clock() + self._first
        for row, message in await asyncio.to_thread(self._store.pending, name):
            if row in state.unmarked:
                continue
            due = state.message_retry_at.get(row)
            if due is not None and due > self._clock():
                continue
            try:
                reference = await state.channel.send(message)
            except DeliveryError as err:
                state.stats.failures[err.kind] = state.stats.failures.get(err.kind, 0) + 1
                if err.unknown and await self._unknown_again(state, row, message, err):
                    continue
                if err.permanent:
                    self._channel_back(state)
                    await self._finish(state, row, MessageStatus.FAILED, str(err))
                    log.error("%s refused %r for good, kept as failed: %s", name, message.title,
                              err.detail)
                    continue
                with contextlib.suppress(sqlite3.Error):  # only a count and a text
                    await asyncio.to_thread(self._store.attempt_failed, row, str(err))
                if err.channel_down:
                    return self._channel_failed(state, err)
                self._channel_back(state)  # it answered, if only to refuse this message
                attempts = state.message_attempts[row] = state.message_attempts.get(row, 0) + 1
                wait = err.retry_after if err.retry_after is not None else backoff(
                    attempts, self._first, self._max)
                state.message_retry_at[row] = self._clock() + wait
                if attempts == 1:
                    log.warning("%s deferred %r, will retry: %s", name, message.title,
                                err.detail)
                continue
            await self._finish(state, row, MessageStatus.SENT, reference=reference)
            self._channel_back(state)
        return min(state.message_retry_at.values(), default=None)

    async def _unknown_again(self, state: _ChannelState, row: int, message: Message,
                             err: DeliveryError) -> bool:
        """A sending of ``message`` whose fate is unknown; whether that ends it (the second
        such: kept as sent, unconfirmed)."""
        name = state.channel.name
        try:
            times = await asyncio.to_thread(self._store.fate_unknown, row)
        except sqlite3.Error:
            times = 0
        times = state.unknown[row] = max(times, state.unknown.get(row, 0) + 1)
        state.stats.unknown += 1
        if times < 2:
            log.warning("%s: %r may have been taken (%s): it will be sent once more, with "
                        "the same key", name, message.title, err.detail)
            return False
        state.stats.unconfirmed += 1
        log.warning("%s: %r was sent twice and neither time did an answer come (%s): kept as "
                    "sent, unconfirmed, and not sent a third time", name, message.title,
                    err.detail)
        await self._finish(state, row, MessageStatus.SENT, f"unconfirmed: {err}")
        state.unknown.pop(row, None)
        return True

    async def _finish(self, state: _ChannelState, row: int, status: MessageStatus,
                      error: str = "", reference: str | None = None) -> None:
        now = self._clock()
        state.message_attempts.pop(row, None)
        state.message_retry_at.pop(row, None)
        state.stats.pending = max(state.stats.pending - 1, 0)
        if status is MessageStatus.SENT:
            state.stats.sent += 1
            state.stats.last_sent_at = now
        else:
            state.stats.failed += 1
        state.unmarked[row] = (status, now, error, reference)
        await self._mark_unmarked(state)

    async def _mark_unmarked(self, state: _ChannelState) -> bool:
        """Write what became of the rows sent whose status waits in memory; whether none
        waits any more."""
        name = state.channel.name
        while state.unmarked:
            row, (status, at, error, reference) = next(iter(state.unmarked.items()))
            try:
                await asyncio.to_thread(self._store.finish, row, status, at, error, reference)
            except sqlite3.Error as err:
                state.stats.unmarked_failures += 1
                if not state.marking_failed:
                    log.error("%s: %s cannot be written (%s): what became of %d messages is "
                              "kept in memory, and they are not sent again", name,
                              self._store.path, err, len(state.unmarked))
                state.marking_failed = True
                return False
            del state.unmarked[row]
        if state.marking_failed:
            log.warning("%s: %s is written again", name, self._store.path)
            state.marking_failed = False
        with contextlib.suppress(sqlite3.Error):
            state.stats.oldest_pending_at = await asyncio.to_thread(
                self._store.oldest_pending, name)
        return True

    def _channel_failed(self, state: _ChannelState, err: DeliveryError) -> float:
        state.attempts += 1
        # The channel's own word on how long to wait comes first (Telegram's retry_after).
        wait = err.retry_after if err.retry_after is not None else backoff(
            state.attempts, self._first, self._max)
        state.retry_at = self._clock() + wait
        if state.down != err.kind:
            log.warning("%s (%s) cannot take messages (%s: %s); %d wait, retrying up to "
                        "every %g s", state.channel.name, state.channel.destination, err.kind,
                        err.detail, state.stats.pending, self._max)
            state.down = err.kind
        return state.retry_at

    def _channel_back(self, state: _ChannelState) -> None:
        if state.down is not None:
            log.info("%s (%s) takes messages again; %d wait", state.channel.name,
                     state.channel.destination, state.stats.pending)
        state.down = None
        state.attempts = 0

    async def _run(self, state: _ChannelState) -> None:
        while True:
            state.wake.clear()
            try:
                next_at = await self.deliver_due(state.channel.name)
            except Exception:
                # Delivery must outlive a bad moment of the disk; the messages stay stored.
                log.exception("%s: delivery failed unexpectedly", state.channel.name)
                next_at = self._clock() + self._first
            timeout = None if next_at is None else max(next_at - self._clock(), 0.0)
            # asyncio.timeout, not wait_for: wait_for of 3.11 can swallow a cancellation that
            # comes as the wake-up does, and a stop (or a reload) would wait on it for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await state.wake.wait()
