"""A Telegram message from a group of notifications: the same layout as a mail (one block per
event: title, sentence, facts, the sites concerned), written in Telegram's HTML parse mode.

Everything from the config or the network is escaped; the only tags are Pantau's own `<b>`.
A message holds at most 4096 characters once Telegram has parsed its entities (counted here
in UTF-16 code units, as Telegram counts): a long list of sites is cut short with "… dan N
lokasi lainnya", and if that is not enough, the last events give way to "dan N lainnya".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from collector.alerting.notifications import Notification
from collector.config import CollectorConfig
from collector.notify.compose import Block, lay_out, title
from collector.words import WORDS, Words

TEXT_LIMIT = 4096
TITLE_PREFIX = "Pantau: "


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
