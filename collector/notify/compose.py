"""What every channel says about a group of notifications, laid out once: each event's
title, sentence, rows of facts and the sites it concerns, in the catalogue's words. Mail writes
these as text and HTML; chat and other channels write them their own way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from collector.alerting.notifications import AffectedSite, EventKind, Notification
from collector.words import (
    Words,
    format_evidence,
    format_ratio,
    format_rtt,
    format_span,
    format_time,
)

OUTAGE_KINDS = (EventKind.DOWN, EventKind.RECOVERED, EventKind.REMINDER)
# More than this many events in one title is no longer readable on a phone.
TITLE_EVENTS = 3


@dataclass(frozen=True)
class Block:
    """One notification, laid out once and written as text and as HTML."""

    title: str
    sentence: str
    rows: tuple[tuple[str, str], ...]
    affected_label: str
    affected: tuple[str, ...]


def event_name(n: Notification) -> str:
    """The notification's X-Pantau-Event value: its kind, except that a link failing (or
    coming back) while its site is still reached through another is `link_down`
    (`link_recovered`), apart from a site that lost service."""
    if about_link(n) and n.kind in (EventKind.DOWN, EventKind.RECOVERED):
        return f"link_{n.kind.value}"
    return n.kind.value


def title(notifications: Sequence[Notification], words: Words, prefix: str) -> str:
    """The group in one line: the event itself when alone, else a count and the first few."""
    if len(notifications) == 1:
        return f"{prefix}{summary(notifications[0], words, long=True)}"
    shown = [summary(n, words, long=False) for n in notifications[:TITLE_EVENTS]]
    rest = len(notifications) - TITLE_EVENTS
    if rest > 0:
        shown.append(words.more.format(n=rest))
    return f"{prefix}{words.events.format(n=len(notifications))}: {', '.join(shown)}"


def summary(n: Notification, words: Words, *, long: bool) -> str:
    """PUTUS: diskominfo (3 lokasi terdampak); without `long`, the headline and place only."""
    headline = words.headline[n.kind]
    if n.planned:
        headline += f" ({words.planned_tag})"
    place = f"{n.site}/{n.link}" if about_link(n) else n.site
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
        count = len(affected_sites(n))
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


def about_link(n: Notification) -> bool:
    """The event concerns one link, not the site as a whole: a site cut names the sites
    behind it, a link whose site stays reachable through another one names none."""
    return n.link is not None and not n.affected


def affected_sites(n: Notification) -> tuple[AffectedSite, ...]:
    """The sites an outage of a whole site concerns, itself first: the one list that the
    subject counts and the body names."""
    if about_link(n) or n.kind not in OUTAGE_KINDS:
        return n.affected
    own = {EventKind.RECOVERED: "recovered"}.get(n.kind, "down")
    return (AffectedSite(n.site, n.site_title, own),
            *(a for a in n.affected if a.site != n.site))


def _link_only(n: Notification) -> bool:
    """A link went down but its site is still reached through another one."""
    return n.kind is EventKind.DOWN and about_link(n)


def _quality(n: Notification, words: Words) -> str:
    loss = format_ratio(words, n.loss_before) if n.loss_before is not None else "?"
    rtt = format_rtt(words, n.rtt_before) if n.rtt_before is not None else "?"
    if n.loss_before is None and n.rtt_before is None:
        return ""
    return words.quality.format(loss=loss, rtt=rtt)


def subject_of(n: Notification, words: Words) -> str:
    """What the notification is about, in words: a site's title, a link of it, a service."""
    if n.service is not None:
        return words.service_of.format(service=n.service_title or n.service, title=n.site_title)
    if about_link(n):
        return words.link_of.format(link=n.link, title=n.site_title)
    return n.site_title


def lay_out(n: Notification, words: Words, zone: ZoneInfo) -> Block:
    label = words.labels
    what = subject_of(n, words)
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
    if n.acked_by is not None:
        rows.append((label["acked"], n.acked_by if n.acked_at is None else
                     f"{n.acked_by}, {format_time(words, n.acked_at, zone)}"))
    affected = tuple(f"{a.site}: {a.title} ({words.state[a.state]})" for a in affected_sites(n))
    sentence = template.format(what=what)
    return Block(title=summary(n, words, long=True), sentence=sentence[:1].upper() + sentence[1:],
                  rows=tuple(rows), affected_label=f"{label['affected']} ({len(affected)})",
                  affected=affected)
