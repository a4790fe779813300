"""Presses of the "Ditangani" button under a down message in Telegram.

Read by long-polling the Bot API's getUpdates, so the collector needs no public address and
no webhook. A press in a chat Pantau sends to takes the outage in hand: who (the Telegram
user) and when go into the outage log, which stops its reminders and shows on the status page
and in its recovery; the one who pressed is answered (answerCallbackQuery); and every message
that carried a button for it, in every chat, is edited through the outbox to say who has it
(editMessageText), its button gone. A second press, or one on an outage that has ended, changes
nothing and is answered so.

Updates are confirmed to Telegram by the next call's offset: one handled just before a crash
comes again after the restart, and a second acknowledgement keeps the first, so nothing is
counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from collector.alerting.outage_log import Acknowledgement, OutageLog
from collector.config import CollectorConfig
from collector.notify.outbox import DeliveryError, Outbox, backoff
from collector.notify.store import Message
from collector.notify.telegram import ACK_DATA, TelegramChannel, acknowledged, button_outages
from collector.words import WORDS

log = logging.getLogger(__name__)

NAME_LIMIT = 100
RETRY_FIRST = 1.0
RETRY_MAX = 60.0
"""Reads of the presses retried from 1 s up to every minute: a press should not wait for the
outbox's long backoff once Telegram answers again."""


@dataclass
class ButtonStats:
    """Counts since the collector started."""

    acknowledged: int = 0
    """Presses that took an outage in hand."""
    poll_failures: dict[str, int] = field(default_factory=dict)
    """Failed getUpdates calls by kind (a DeliveryError's)."""


class AckButtons:
    def __init__(self, channel: TelegramChannel, outbox: Outbox, outages: OutageLog,
                 config: CollectorConfig, clock: Callable[[], float] = time.time) -> None:
        self._channel, self._outbox, self._outages = channel, outbox, outages
        self._chats = {str(chat) for chats in config.telegram.groups.values() for chat in chats}
        self._words = WORDS[config.mail.language]
        self._zone = config.collector.zone
        self._poll = max(1, int(config.telegram.poll_timeout))
        self._clock = clock
        self._offset: int | None = None
        self._down: str | None = None
        self._task: asyncio.Task[None] | None = None
        self.stats = ButtonStats()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-buttons")

    async def reconfigure(self, channel: TelegramChannel, config: CollectorConfig) -> None:
        """Go on with ``config`` (a reload): its chats, language and zone; with ``channel``
        replaced (new settings of the bot), reading on from what Telegram has not had
        confirmed."""
        self._chats = {str(chat) for chats in config.telegram.groups.values() for chat in chats}
        self._words = WORDS[config.mail.language]
        self._zone = config.collector.zone
        self._poll = max(1, int(config.telegram.poll_timeout))
        if channel is not self._channel:
            await self.stop()
            self._channel, self._down, self._offset = channel, None, None
            await self.start()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def poll_once(self) -> int:
        """One getUpdates call (held by Telegram until a press or poll_timeout) and what it
        brought handled; how many updates it brought."""
        params: dict[str, Any] = {"timeout": self._poll, "allowed_updates": ["callback_query"]}
        if self._offset is not None:
            params["offset"] = self._offset
        updates = await self._channel.call("getUpdates", params, wait=self._poll)
        if not isinstance(updates, list):
            raise DeliveryError("other", "getUpdates did not answer a list of updates")
        for update in updates:
            number = update.get("update_id") if isinstance(update, dict) else None
            if not isinstance(number, int):
                continue
            self._offset = number + 1
            query = update.get("callback_query")
            if isinstance(query, dict):
                await self.press(query)
        return len(updates)

    async def press(self, query: dict[str, Any]) -> None:
        """A button pressed (a CallbackQuery)."""
        data = query.get("data")
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        names = {str(chat.get("id")), f"@{chat.get('username')}"}
        if not names & self._chats:
            log.warning("telegram: a button pressed in chat %s, which is not in "
                        "telegram.groups: ignored", chat.get("id"))
            await self._answer(query, None)
            return
        if not isinstance(data, str) or not data.startswith(ACK_DATA) \
                or not data[len(ACK_DATA):].isdigit():
            log.warning("telegram: a button with unknown data %r: ignored", str(data)[:64])
            await self._answer(query, None)
            return
        outage = int(data[len(ACK_DATA):])
        by = who(query.get("from"))
        now = self._clock()
        ack = await asyncio.to_thread(self._outages.acknowledge, outage, by, now)
        words = self._words
        if ack is None:
            await self._answer(query, words.ack_over.format(outage=outage))
            return
        if ack == Acknowledgement(by, now):
            self.stats.acknowledged += 1
            log.info("outage #%d taken in hand by %s (Telegram)", outage, by)
            await self._answer(query, words.ack_recorded.format(outage=outage))
        else:
            await self._answer(query, words.ack_already.format(outage=outage, by=ack.by))
        await self._edit(outage)

    async def _edit(self, outage: int) -> None:
        """Have every message with a button for ``outage`` say who has it."""
        edits = []
        for sent in await self._outbox.sent_with("telegram", f"outage:{outage}"):
            if sent.reference is None or not sent.reference.lstrip("-").isdigit():
                continue
            params = json.loads(sent.message.payload)
            acks = {}
            for each in button_outages(params):
                ack = await asyncio.to_thread(self._outages.acknowledgement, each)
                if ack is not None:
                    acks[each] = ack
            edit = acknowledged(params, int(sent.reference), acks, self._words, self._zone)
            if edit is not None:
                # One edit per message and set of acknowledgements: pressed again, none more.
                key = f"ack:{sent.row}:{','.join(str(each) for each in sorted(acks))}"
                edits.append(Message("telegram", sent.message.recipient, key,
                                     json.dumps(edit, ensure_ascii=False), sent.message.title))
        if edits:
            await self._outbox.enqueue(edits)

    async def _answer(self, query: dict[str, Any], text: str | None) -> None:
        """Stop the button's spinner, with ``text`` as a short notice. A press answered too
        late (the collector was away) is refused by Telegram: nothing more to do then."""
        params: dict[str, Any] = {"callback_query_id": str(query.get("id"))}
        if text:
            params["text"] = text[:200]
        try:
            await self._channel.call("answerCallbackQuery", params)
        except DeliveryError as err:
            log.info("telegram: could not answer a button press: %s", err.detail)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self.poll_once()
            except DeliveryError as err:
                failures += 1
                self.stats.poll_failures[err.kind] = self.stats.poll_failures.get(err.kind,
                                                                                  0) + 1
                if self._down != err.kind:
                    # 409: another getUpdates (a second collector with this bot) or a webhook.
                    log.warning("telegram: cannot read button presses (getUpdates, %s: %s); "
                                "retrying up to every %g s", err.kind, err.detail, RETRY_MAX)
                    self._down = err.kind
                await asyncio.sleep(err.retry_after if err.retry_after is not None
                                    else backoff(failures, RETRY_FIRST, RETRY_MAX))
                continue
            except Exception:
                log.exception("telegram: reading button presses failed unexpectedly")
                await asyncio.sleep(RETRY_FIRST)
                continue
            if self._down is not None:
                log.info("telegram: button presses are read again")
                self._down = None
            failures = 0


def who(user: object) -> str:
    """A Telegram user as the outage log records them: "Budi Santoso (@budi)"."""
    if not isinstance(user, dict):
        return "Telegram"
    parts = [user.get(key) for key in ("first_name", "last_name")]
    name = " ".join(part for part in parts if isinstance(part, str) and part)
    username = user.get("username")
    if isinstance(username, str) and username:
        name = f"{name} (@{username})" if name else f"@{username}"
    name = "".join(char for char in name if char.isprintable()).strip()
    return (name or f"Telegram {user.get('id')}")[:NAME_LIMIT]
