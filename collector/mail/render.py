"""One mail from one group of notifications: subject, plain text and HTML bodies, recipients,
and headers that mail rules can sort on.

The engine groups the events that land within a short window; whatever it hands over here
becomes exactly one mail, so an outage that cuts off nine sites is one mail, not nine.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.alerting.notifications import Notification
from collector.config import CollectorConfig
from collector.config.mail import CENTRAL_GROUP, MailSettings
from collector.mail.message import Mail
from collector.notify.compose import Block, event_name, lay_out, title
from collector.words import (
    WORDS,
    Words,
)

SUBJECT_PREFIX = "[Pantau]"
FALLBACK_SENDER = "pantau@localhost"


def render(notifications: Sequence[Notification], config: CollectorConfig) -> Mail | None:
    """The mail telling about `notifications`, in `mail.language`; None when there are none."""
    if not notifications:
        return None
    mail = config.mail
    words = WORDS[mail.language]
    zone = config.collector.zone
    blocks = [lay_out(n, words, zone) for n in notifications]
    abbreviation = datetime.fromtimestamp(notifications[-1].at, zone).tzname()
    footer = words.footer.format(zone=f"{abbreviation} ({config.collector.timezone})")
    if config.collector.public_url:
        footer += "\n" + words.status_link.format(url=config.collector.public_url)
    return Mail(
        sender=mail.sender or FALLBACK_SENDER,
        to=recipients(notifications, config),
        subject=title(notifications, words, SUBJECT_PREFIX + " "),
        text=_text(blocks, words, footer),
        html=_html(blocks, words, footer),
        headers=_headers(notifications, zone),
        message_id=message_id(notifications, mail),
        date=max(n.at for n in notifications),
    )


def recipients(notifications: Sequence[Notification], config: CollectorConfig) -> tuple[str, ...]:
    """`central`, then the `notify` groups of every site concerned, each address once."""
    groups = config.mail.groups
    names = [CENTRAL_GROUP]
    known = {site.name: site for site in config.sites}
    for notification in notifications:
        for site in notification.sites:
            # A site dropped from the config by a reload may still be named by an old event.
            if site in known:
                names.extend(known[site].notify)
    seen: dict[str, str] = {}
    for name in names:
        for address in groups.get(name, ()):
            seen.setdefault(address.lower(), address)
    return tuple(seen.values())


def message_id(notifications: Sequence[Notification], mail: MailSettings) -> str:
    """A Message-ID that depends on the notifications only, not on when it is rendered."""
    content = json.dumps([asdict(n) for n in notifications], sort_keys=True, default=str)
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    domain = (mail.sender or FALLBACK_SENDER).rpartition("@")[2]
    return f"<pantau.{digest}@{domain}>"


def _rfc3339(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).isoformat(timespec="seconds")


def _headers(notifications: Sequence[Notification],
             zone: ZoneInfo) -> tuple[tuple[str, str], ...]:
    def joined(values: list[str]) -> str:
        return ", ".join(dict.fromkeys(values))

    headers = [("X-Pantau-Event", joined([event_name(n) for n in notifications])),
               ("X-Pantau-Sites", joined([s for n in notifications for s in n.sites]))]
    services = [f"{n.site}/{n.service}" for n in notifications if n.service is not None]
    if services:
        headers.append(("X-Pantau-Services", joined(services)))
    causes = [n.cause.value for n in notifications if n.cause is not None]
    if causes:
        headers.append(("X-Pantau-Cause", joined(causes)))
    outages = [str(n.outage_id) for n in notifications if n.outage_id is not None]
    if outages:
        headers.append(("X-Pantau-Outage", joined(outages)))
    headers.append(("X-Pantau-Planned",
                    "yes" if all(n.planned for n in notifications) else "no"))
    # One value per event that has one, in the mail's order (not deduplicated).
    for name, values in (
            ("X-Pantau-Started", [_rfc3339(n.started_at, zone) for n in notifications
                                  if n.started_at is not None]),
            ("X-Pantau-Ended", [_rfc3339(n.ended_at, zone) for n in notifications
                                if n.ended_at is not None]),
            ("X-Pantau-Duration-Seconds", [str(round(n.duration)) for n in notifications
                                           if n.duration is not None])):
        if values:
            headers.append((name, ", ".join(values)))
    return tuple(headers)


def _text(blocks: list[Block], words: Words, footer: str) -> str:
    lines: list[str] = []
    if len(blocks) > 1:
        lines += [words.intro.format(n=len(blocks)), ""]
    width = max(len(name) for block in blocks for name, _ in block.rows)
    for number, block in enumerate(blocks, 1):
        lines.append(f"{number}. {block.title}" if len(blocks) > 1 else block.title)
        lines += [block.sentence, ""]
        lines += [f"  {name.ljust(width)} : {value}" for name, value in block.rows]
        if block.affected:
            lines += ["", f"  {block.affected_label}:"]
            lines += [f"    - {site}" for site in block.affected]
        lines.append("")
    lines += ["-- ", footer]
    return "\n".join(lines) + "\n"


def _html(blocks: list[Block], words: Words, footer: str) -> str:
    esc = html.escape
    parts = ['<!DOCTYPE html>\n<html><body style="font-family: sans-serif">']
    if len(blocks) > 1:
        parts.append(f"<p>{esc(words.intro.format(n=len(blocks)))}</p>")
    for block in blocks:
        parts.append(f"<h3>{esc(block.title)}</h3>\n<p>{esc(block.sentence)}</p>\n<table>")
        parts += [f'<tr><th align="left">{esc(name)}</th><td>{esc(value)}</td></tr>'
                  for name, value in block.rows]
        parts.append("</table>")
        if block.affected:
            parts.append(f"<p>{esc(block.affected_label)}:</p>\n<ul>")
            parts += [f"<li>{esc(site)}</li>" for site in block.affected]
            parts.append("</ul>")
    parts.append(f'<p style="color: gray">{esc(footer)}</p>\n</body></html>\n')
    return "\n".join(parts)
