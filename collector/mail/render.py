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
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.alerting.notifications import AffectedSite, EventKind, Notification
from collector.config import CollectorConfig
from collector.config.mail import CENTRAL_GROUP, MailSettings
from collector.mail.message import Mail
from collector.words import (
    WORDS,
    Words,
    format_evidence,
    format_ratio,
    format_rtt,
    format_span,
    format_time,
)

SUBJECT_PREFIX = "[Pantau]"
# More than this many events in one subject is no longer readable on a phone.
SUBJECT_EVENTS = 3
FALLBACK_SENDER = "pantau@localhost"
OUTAGE_KINDS = (EventKind.DOWN, EventKind.RECOVERED, EventKind.REMINDER)


@dataclass(frozen=True)
class _Block:
    """One notification, laid out once and written as text and as HTML."""

    title: str
    sentence: str
    rows: tuple[tuple[str, str], ...]
    affected_label: str
    affected: tuple[str, ...]


def render(notifications: Sequence[Notification], config: CollectorConfig) -> Mail | None:
    """The mail telling about `notifications`, in `mail.language`; None when there are none."""
    if not notifications:
        return None
    mail = config.mail
    words = WORDS[mail.language]
    zone = config.collector.zone
    blocks = [_block(n, words, zone) for n in notifications]
    abbreviation = datetime.fromtimestamp(notifications[-1].at, zone).tzname()
    footer = words.footer.format(zone=f"{abbreviation} ({config.collector.timezone})")
    if config.collector.public_url:
        footer += "\n" + words.status_link.format(url=config.collector.public_url)
    return Mail(
        sender=mail.sender or FALLBACK_SENDER,
        to=recipients(notifications, config),
        subject=_subject(notifications, words),
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


def event_name(n: Notification) -> str:
    """The notification's X-Pantau-Event value: its kind, except that a link failing (or
    coming back) while its site is still reached through another is `link_down`
    (`link_recovered`), apart from a site that lost service."""
    if _about_link(n) and n.kind in (EventKind.DOWN, EventKind.RECOVERED):
        return f"link_{n.kind.value}"
    return n.kind.value


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


def _subject(notifications: Sequence[Notification], words: Words) -> str:
    if len(notifications) == 1:
        return f"{SUBJECT_PREFIX} {_summary(notifications[0], words, long=True)}"
    shown = [_summary(n, words, long=False) for n in notifications[:SUBJECT_EVENTS]]
    rest = len(notifications) - SUBJECT_EVENTS
    if rest > 0:
        shown.append(words.more.format(n=rest))
    return f"{SUBJECT_PREFIX} {words.events.format(n=len(notifications))}: {', '.join(shown)}"


def _summary(n: Notification, words: Words, *, long: bool) -> str:
    """PUTUS: diskominfo (3 lokasi terdampak); without `long`, the headline and place only."""
    headline = words.headline[n.kind]
    if n.planned:
        headline += f" ({words.planned_tag})"
    place = f"{n.site}/{n.link}" if _about_link(n) else n.site
    if n.service is not None:
        place = f"{n.service_title or n.service} ({n.site})"
    if not long:
        return f"{headline} {place}"
    if n.kind is EventKind.SERVICE_DOWN and n.failure is not None:
        return f"{headline}: {place} — {_failure(n, words)}"
    if n.kind is EventKind.CERT_EXPIRING and n.cert_expiry is not None:
        return f"{headline}: {place} — " + format_span(words, max(n.cert_expiry - n.at, 0))
    if n.kind is EventKind.SERVICE_SLOW and n.latency is not None:
        return f"{headline}: {place} — {format_rtt(words, n.latency)}"
    if n.kind is EventKind.SERVICE_RECOVERED and n.duration is not None:
        return f"{headline}: {place} " + words.after.format(
            duration=format_span(words, n.duration))
    detail = ""
    if n.kind is EventKind.DOWN and not _link_only(n):
        count = len(_affected(n))
        affected = words.one_site_affected if count == 1 else words.sites_affected
        detail = f" ({affected.format(n=count)})"
    elif n.kind is EventKind.RECOVERED and n.duration is not None:
        detail = " " + words.after.format(duration=format_span(words, n.duration))
    elif n.kind is EventKind.REMINDER and n.started_at is not None:
        detail = " " + words.lasting.format(duration=format_span(words, n.at - n.started_at))
    elif n.kind is EventKind.DEGRADED and (quality := _quality(n, words)):
        detail = f" ({quality})"
    return f"{headline}: {place}{detail}"


def _failure(n: Notification, words: Words) -> str:
    return words.failures.get(n.failure or "other", words.failures["other"]).format(
        code=n.status_code or "")


def _about_link(n: Notification) -> bool:
    """The event concerns one link, not the site as a whole: a site cut names the sites
    behind it, a link whose site stays reachable through another one names none."""
    return n.link is not None and not n.affected


def _affected(n: Notification) -> tuple[AffectedSite, ...]:
    """The sites an outage of a whole site concerns, itself first: the one list that the
    subject counts and the body names."""
    if _about_link(n) or n.kind not in OUTAGE_KINDS:
        return n.affected
    own = {EventKind.RECOVERED: "recovered"}.get(n.kind, "down")
    return (AffectedSite(n.site, n.site_title, own),
            *(a for a in n.affected if a.site != n.site))


def _link_only(n: Notification) -> bool:
    """A link went down but its site is still reached through another one."""
    return n.kind is EventKind.DOWN and _about_link(n)


def _quality(n: Notification, words: Words) -> str:
    loss = format_ratio(words, n.loss_before) if n.loss_before is not None else "?"
    rtt = format_rtt(words, n.rtt_before) if n.rtt_before is not None else "?"
    if n.loss_before is None and n.rtt_before is None:
        return ""
    return words.quality.format(loss=loss, rtt=rtt)


def _block(n: Notification, words: Words, zone: ZoneInfo) -> _Block:
    label = words.labels
    what = (words.link_of.format(link=n.link, title=n.site_title) if _about_link(n)
            else n.site_title)
    if n.service is not None:
        what = words.service_of.format(service=n.service_title or n.service, title=n.site_title)
    template = (words.link_only_down if _link_only(n) else words.stable_again
                if n.after_flapping else words.sentence[n.kind])
    rows: list[tuple[str, str]] = [(label["site"], f"{n.site_title} ({n.site})")]
    if n.link:
        rows.append((label["link"], n.link))
    if n.started_at is not None:
        rows.append((label["started"], format_time(words, n.started_at, zone)))
    if n.ended_at is not None:
        rows.append((label["ended"], format_time(words, n.ended_at, zone)))
    if n.duration is not None:
        rows.append((label["duration"], format_span(words, n.duration)))
    elif n.kind is EventKind.REMINDER and n.started_at is not None:
        rows.append((label["lasting"], format_span(words, n.at - n.started_at)))
    if quality := _quality(n, words):
        rows.append((label["before" if n.kind in OUTAGE_KINDS else "measured"], quality))
    if n.cause is not None:
        cause = words.cause[n.cause]
        if n.evidence is not None:
            cause += f" ({format_evidence(words, n.evidence, zone)})"
        rows.append((label["cause"], cause))
    if n.kind in OUTAGE_KINDS or n.planned:
        rows.append((label["planned"], words.yes_planned if n.planned else words.no))
    if n.service is not None:
        rows.append((label["service"], f"{n.service_title or n.service} ({n.service})"))
    if n.failure is not None:
        rows.append((label["failure"], _failure(n, words)))
    if n.cert_expiry is not None:
        rows.append((label["cert_expiry"], format_time(words, n.cert_expiry, zone)))
        rows.append((label["cert_left"], format_span(words, max(n.cert_expiry - n.at, 0))))
    if n.latency is not None:
        rows.append((label["latency"], format_rtt(words, n.latency)))
    if n.latency_limit is not None:
        rows.append((label["latency_limit"], format_rtt(words, n.latency_limit)))
    if n.affected_services:
        rows.append((label["services_affected"],
                     ", ".join(f"{title} ({site})" for site, title in n.affected_services)))
    if n.reason is not None:
        rows.append((label["reason"], words.reasons.get(n.reason, n.reason)))
    if n.changes is not None:
        rows.append((label["changes"], str(n.changes)))
    if n.agent is not None:
        rows.append((label["agent"], n.agent))
    if n.device is not None:
        rows.append((label["device"], n.device))
    if n.uptime_before is not None:
        rows.append((label["uptime_before"], format_span(words, n.uptime_before)))
    if n.outage_id is not None:
        rows.append((label["outage"], f"#{n.outage_id}"))
    affected = tuple(f"{a.site}: {a.title} ({words.state[a.state]})" for a in _affected(n))
    sentence = template.format(what=what)
    return _Block(title=_summary(n, words, long=True), sentence=sentence[:1].upper() + sentence[1:],
                  rows=tuple(rows), affected_label=f"{label['affected']} ({len(affected)})",
                  affected=affected)


def _text(blocks: list[_Block], words: Words, footer: str) -> str:
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


def _html(blocks: list[_Block], words: Words, footer: str) -> str:
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
