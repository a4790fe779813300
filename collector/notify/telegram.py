"""Telegram: a message from a group of notifications, and the channel that sends it.

A message from a group of notifications: the same layout as a mail (one block per
event: title, sentence, facts, the sites concerned), written in Telegram's HTML parse mode.

Everything from the config or the network is escaped; the only tags are Pantau's own `<b>`.
A message holds at most 4096 characters once Telegram has parsed its entities (counted here
in UTF-16 code units, as Telegram counts): a long list of sites is cut short with "… dan N
lokasi lainnya", and if that is not enough, the last events give way to "dan N lainnya".
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from collector.alerting.notifications import EventKind, Notification
from collector.alerting.outage_log import Acknowledgement
from collector.config import CollectorConfig
from collector.notify.compose import Block, lay_out, subject_of, title
from collector.notify.outbox import DeliveryError
from collector.notify.store import Message
from collector.notify.transport import post
from collector.words import WORDS, Words, format_time

TEXT_LIMIT = 4096
TITLE_PREFIX = "Pantau: "

ACK_KINDS = (EventKind.DOWN, EventKind.SERVICE_DOWN, EventKind.REMINDER)
"""Messages about these carry a button that takes their outage in hand."""
ACK_DATA = "ack:"
"""The button's callback_data: this, then the outage's number."""
MAX_BUTTONS = 8
"""More outages in one message than this are taken in hand with `collector ack`."""
ACK_ROOM = 256
"""Units of text kept free per button, for the line its press adds to the message."""
BUTTON_TEXT = 40


@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool = False

    def html(self) -> str:
        escaped = html.escape(self.text, quote=False)
        return f"<b>{escaped}</b>" if self.bold else escaped


def render_telegram(notifications: Sequence[Notification], config: CollectorConfig,
                    limit: int = TEXT_LIMIT) -> str:
    """The message for ``notifications`` in `mail.language`, in HTML parse mode."""
    if not notifications:
        raise ValueError("no notifications to tell")
    words = WORDS[config.mail.language]
    zone = config.collector.zone
    blocks = [lay_out(n, words, zone) for n in notifications]
    heading = [_Line(title(notifications, words, TITLE_PREFIX), bold=True)]
    link = ([_Line(words.status_link.format(url=config.collector.public_url))]
            if config.collector.public_url else [])
    shown = [len(block.affected) for block in blocks]
    while True:
        dropped = len(notifications) - len(blocks)
        footer = [_Line(words.more.format(n=dropped))] if dropped else []
        lines = heading + _body(blocks, shown, words, len(notifications) > 1) + footer + link
        excess = _length(lines) - limit
        if excess <= 0:
            return "\n".join(line.html() for line in lines)
        longest = max(range(len(blocks)), key=lambda i: shown[i])
        if shown[longest] > 1:
            # Drop as many of its sites as the excess needs, judged by their length, and one
            # more for the line that says how many are left out.
            sites = blocks[longest].affected[:shown[longest]]
            each = sum(_units(site) + 3 for site in sites) / len(sites)
            shown[longest] = max(1, shown[longest] - int(excess / each) - 1)
        elif len(blocks) > 1:
            blocks, shown = blocks[:-1], shown[:-1]
        else:
            text = "\n".join(line.text for line in lines)
            return html.escape(_cut(text, limit - 1) + "…", quote=False)


def message_params(notifications: Sequence[Notification], config: CollectorConfig,
                   acknowledge: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """sendMessage's parameters but the chat, and the message's tags: `outage:N` for each
    outage its buttons take in hand (when ``acknowledge``)."""
    words = WORDS[config.mail.language]
    buttons = ack_buttons(notifications, words) if acknowledge else []
    params: dict[str, Any] = {
        "text": render_telegram(notifications, config, TEXT_LIMIT - ACK_ROOM * len(buttons)),
        "parse_mode": "HTML", "disable_web_page_preview": True}
    if buttons:
        params["reply_markup"] = {"inline_keyboard": [
            [{"text": text, "callback_data": f"{ACK_DATA}{outage}"}] for outage, text in buttons]}
    return params, tuple(f"outage:{outage}" for outage, _ in buttons)


def ack_buttons(notifications: Sequence[Notification], words: Words) -> list[tuple[int, str]]:
    """(outage, button text) for each outage the message tells of that nobody has in hand."""
    found: dict[int, Notification] = {}
    for n in notifications:
        if (n.kind in ACK_KINDS and n.outage_id is not None and not n.planned
                and n.acked_by is None):
            found.setdefault(n.outage_id, n)
    chosen = list(found.items())[:MAX_BUTTONS]
    if len(chosen) == 1:
        return [(chosen[0][0], words.ack_button)]
    return [(outage, _short(words.ack_button_for.format(what=subject_of(n, words))))
            for outage, n in chosen]


def button_outages(params: dict[str, Any]) -> list[int]:
    """The outages a message's buttons take in hand, in order."""
    keyboard = (params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [int(button["callback_data"][len(ACK_DATA):]) for row in keyboard for button in row
            if str(button.get("callback_data", "")).startswith(ACK_DATA)]


def acknowledged(params: dict[str, Any], message_id: int,
                 acks: dict[int, Acknowledgement], words: Words,
                 zone: ZoneInfo) -> dict[str, Any] | None:
    """editMessageText's parameters for a sent message (``params``, as sent) once some of its
    outages were taken in hand (``acks``): a line for each added, their buttons gone; None when
    none of them was."""
    outages = button_outages(params)
    taken = [outage for outage in outages if outage in acks]
    if not taken:
        return None
    if len(outages) == 1:
        ack = acks[taken[0]]
        lines = [words.ack_line.format(by=ack.by, time=format_time(words, ack.at, zone))]
    else:
        lines = [words.ack_line_for.format(outage=outage, by=acks[outage].by,
                                           time=format_time(words, acks[outage].at, zone))
                 for outage in taken]
    edit: dict[str, Any] = {
        "chat_id": params["chat_id"], "message_id": message_id,
        "text": params["text"] + "\n\n" + "\n".join(html.escape(line, quote=False)
                                                   for line in lines),
        "parse_mode": "HTML", "disable_web_page_preview": True}
    keyboard = [row for row, outage in zip(params["reply_markup"]["inline_keyboard"], outages,
                                           strict=True) if outage not in acks]
    if keyboard:
        edit["reply_markup"] = {"inline_keyboard": keyboard}
    return edit


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT else text[:BUTTON_TEXT - 1] + "…"


def _body(blocks: list[Block], shown: list[int], words: Words,
          numbered: bool) -> list[_Line]:
    lines: list[_Line] = []
    for number, (block, count) in enumerate(zip(blocks, shown, strict=True), 1):
        lines.append(_Line(""))
        if numbered:
            lines.append(_Line(f"{number}. {block.title}", bold=True))
        lines.append(_Line(block.sentence))
        lines += [_Line(f"{name}: {value}") for name, value in block.rows]
        if block.affected:
            lines.append(_Line(f"{block.affected_label}:", bold=True))
            lines += [_Line(f"• {site}") for site in block.affected[:count]]
            if count < len(block.affected):
                lines.append(_Line(words.more_sites.format(n=len(block.affected) - count)))
    return lines


def _length(lines: list[_Line]) -> int:
    """What Telegram counts: the text once the tags are parsed away, in UTF-16 code units."""
    return _units("\n".join(line.text for line in lines))


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, units: int) -> str:
    while _units(text) > units:
        text = text[:-1]
    return text


class TelegramChannel:
    """Sends messages through the Bot API (`sendMessage`), at Telegram's or at a
    self-hosted telegram-bot-api server (`api_url`). The bot token goes in the URL's path
    only and is never logged: the destination shown is the API's host.

    Telegram's answers, as DeliveryErrors: 429 is a pause of the whole channel for its
    `retry_after`; 401 and 404 (a wrong token) and 5xx, timeouts and unreachable servers are
    the channel down, retried; other 4xx (a chat not found, a bot blocked or kicked, a text
    the API cannot parse) are that message refused for good.
    """

    name = "telegram"

    def __init__(self, token: str, api_url: str = "https://api.telegram.org",
                 timeout: float = 10.0, ca_file: Path | None = None) -> None:
        self._token = token
        self._ca_file = ca_file
        self._api = api_url.rstrip("/")
        self._timeout = timeout
        self.destination = urlsplit(self._api).netloc or self._api

    def abort(self) -> None:
        """Its sendings run on the event loop: cancelling their task ends them."""

    async def send(self, message: Message) -> str | None:
        """A new message (sendMessage), or an edit of a sent one (editMessageText: its
        parameters name the message_id); the new message's id."""
        params = json.loads(message.payload)
        if "message_id" in params:
            await self.call("editMessageText", params)
            return None
        result = await self.call("sendMessage", params)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return None if message_id is None else str(message_id)

    async def call(self, method: str, params: dict[str, Any], wait: float = 0.0) -> Any:
        """One Bot API call; its `result`, or a DeliveryError. ``wait``: how long the server
        may hold the answer on purpose (getUpdates' long poll), beyond the timeout."""
        url = f"{self._api}/bot{self._token}/{method}"
        answer = await post(url, timeout=self._timeout + wait, channel_down=True,
                            ca_file=self._ca_file, scrub=lambda text: _without(text, self._token),
                            json=params)
        status, text = answer.status, answer.text
        return _answer(status, text, self._token)


def _answer(status: int, text: str, token: str) -> Any:
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise DeliveryError("server" if status >= 500 else "other",
                            f"HTTP {status}, not a Bot API answer")
    if answer.get("ok") is True:
        return answer.get("result")
    description = _without(str(answer.get("description", f"HTTP {status}")), token)
    code = answer.get("error_code", status)
    if code == 429:
        parameters = answer.get("parameters") or {}
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        raise DeliveryError("rate_limited", description,
                            retry_after=float(retry_after) if isinstance(
                                retry_after, int | float) else 30.0)
    if code in (401, 404):
        raise DeliveryError("auth", f"{description} (is telegram.token right?)")
    if isinstance(code, int) and 400 <= code < 500:
        raise DeliveryError("refused", description, permanent=True)
    raise DeliveryError("server", description)


def _without(text: str, token: str) -> str:
    """``text`` with the bot token blanked, should an error message quote the URL."""
    return text.replace(token, "<token>") if token else text
