"""The status page: one self-contained HTML document for a phone as much as a desk.

Server-rendered, no script, no external asset: it must load over a slow link from the
office, and work in the browser at hand. Every text that comes from the config or the
network is escaped; the colours carry the state, the words say it too.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from collector.alerting.outage_log import Acknowledgement
from collector.config import CollectorConfig
from collector.state import LinkState, StateStore
from collector.state.services import ServiceState
from collector.status.style import STYLESHEET
from collector.status.view import (
    SUMMARY_ORDER,
    Acknowledgements,
    LinkView,
    ServiceView,
    SiteView,
    StatusView,
    build_view,
)
from collector.words import (
    PAGE_WORDS,
    WORDS,
    PageWords,
    Words,
    format_ratio,
    format_rtt,
    format_span,
)

# A phone left on the page keeps up with the rounds, without reloading faster than a
# person reads, nor loading the collector for nothing.
REFRESH_MIN = 5
REFRESH_MAX = 15


def refresh_seconds(config: CollectorConfig) -> int:
    shortest = min(site.interval for site in config.sites)
    return int(max(REFRESH_MIN, min(REFRESH_MAX, round(shortest))))


def render_page(store: StateStore, config: CollectorConfig, now: float,
                services: ServiceState | None = None,
                acks: Acknowledgements | None = None) -> str:
    """The whole page as of ``now`` (Unix time), in `mail.language`, with times in
    `collector.timezone`."""
    writer = _Writer(PAGE_WORDS[config.mail.language], WORDS[config.mail.language],
                     config.collector.zone, now)
    view = build_view(store, tuple(site.name for site in config.sites), services, acks)
    return writer.page(view, refresh_seconds(config))


class _Writer:
    def __init__(self, words: PageWords, numbers: Words, zone: ZoneInfo, now: float) -> None:
        self.words = words
        self.numbers = numbers
        self.zone = zone
        self.now = now

    def page(self, view: StatusView, refresh: int) -> str:
        w = self.words
        troubled = sum(view.counts[s] for s in (LinkState.DOWN, LinkState.UNREACHABLE,
                                                LinkState.ERROR, LinkState.DEGRADED))
        title = f"({troubled}) Pantau" if troubled else "Pantau"
        rendered = w.rendered.format(time=self._time(self.now, full=True))
        zone = f"{self._zone_name()} ({self.zone.key})"
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{w.lang}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="refresh" content="{refresh}">',
            f"<title>{escape(title)} · {escape(w.heading)}</title>",
            f"<style>{STYLESHEET}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"<h1>Pantau <span>{escape(w.heading)}</span></h1>",
            self._summary(view),
            f'<p class="rendered">{escape(rendered)}</p>',
            "</header>",
            "<main>",
            self._section("problems", w.problems, view.problems),
            self._section("unknown", w.unknown, view.unknown),
            self._section("healthy", w.healthy, view.healthy),
            "</main>",
            f'<footer>{escape(w.footer.format(seconds=refresh, zone=zone))} '
            '<a href="/metrics">/metrics</a></footer>',
            "</body>",
            "</html>",
        ]
        return "\n".join(part for part in parts if part) + "\n"

    def _summary(self, view: StatusView) -> str:
        items = [f'<li class="state-{state.value}" data-state="{state.value}" '
                 f'data-count="{view.counts[state]}">'
                 f"{escape(self.words.count[state].format(n=view.counts[state]))}</li>"
                 for state in SUMMARY_ORDER
                 if view.counts[state] or state not in (LinkState.UNKNOWN, LinkState.ERROR)]
        return '<ul class="summary">' + "".join(items) + "</ul>"

    def _section(self, key: str, heading: str, sites: tuple[SiteView, ...]) -> str:
        if not sites:
            return ""
        boxes = "\n".join(self._site(site) for site in sites)
        return (f'<section class="group" id="{key}"><h2>{escape(heading)}</h2>\n'
                f'<div class="sites">\n{boxes}\n</div></section>')

    def _site(self, site: SiteView) -> str:
        state = site.state.value
        parts = [
            f'<article class="site state-{state}" data-site="{escape(site.name)}" '
            f'data-state="{state}">',
            '<div class="head">',
            f"<h3>{self._title(site)}</h3>",
            self._badge(site.state),
            "</div>",
            f'<p class="since">{escape(self._since(site.since))}</p>',
            self._acked(site.acked),
            self._links(site.links),
            self._services(site.services),
        ]
        if site.behind:
            parts.append(self._behind(site.behind))
        parts.append("</article>")
        return "\n".join(parts)

    def _links(self, links: tuple[LinkView, ...]) -> str:
        w = self.words
        rows = []
        for link in links:
            route = w.via.format(parent=link.parent) if link.parent else w.direct
            loss = format_ratio(self.numbers, link.loss) if link.loss is not None else "–"
            rtt = self._rtt(link.rtt) if link.rtt is not None else "–"
            rows.append(
                f'<tr data-link="{escape(link.name)}" data-state="{link.state.value}">'
                f'<td><b>{escape(link.name)}</b> '
                f'<span class="kind">{escape(w.kind[link.kind])} · {escape(route)}</span>'
                f'{self._acked(link.acked)}</td>'
                f'<td class="num" data-loss>{escape(loss)}</td>'
                f'<td class="num" data-rtt>{escape(rtt)}</td>'
                f"<td>{self._badge(link.state, small=True)}</td></tr>")
        return (f'<table class="links"><thead><tr><th>{escape(w.link)}</th>'
                f'<th class="num">{escape(w.loss)}</th><th class="num">{escape(w.rtt)}</th>'
                "<th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

    def _services(self, services: tuple[ServiceView, ...]) -> str:
        if not services:
            return ""
        w = self.words
        rows = []
        for service in services:
            problem = "–"
            if service.failure is not None:
                problem = self.numbers.failures.get(
                    service.failure, self.numbers.failures["other"]).format(
                    code=service.status_code or "")
            rows.append(
                f'<tr data-service="{escape(service.name)}" '
                f'data-state="{service.state.value}"><td><b>{escape(service.title)}</b>'
                f'{self._acked(service.acked)}</td>'
                f"<td data-problem>{escape(problem)}</td>"
                f"<td>{self._badge(service.state, small=True)}</td></tr>")
        return (f'<table class="services"><thead><tr><th>{escape(w.service)}</th>'
                f"<th>{escape(w.problem)}</th><th></th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")

    def _acked(self, ack: Acknowledgement | None) -> str:
        if ack is None:
            return ""
        text = self.words.acked.format(by=ack.by, time=self._time(ack.at, full=False))
        return f'<p class="acked" data-acked-by="{escape(ack.by)}">{escape(text)}</p>'

    def _behind(self, sites: tuple[SiteView, ...]) -> str:
        items = "".join(
            f'<li data-site="{escape(s.name)}" data-state="{s.state.value}">'
            f"<span>{self._title(s)}</span> "
            f"{self._badge(s.state, small=True)}</li>"
            for s in sites)
        heading = self.words.behind.format(n=len(sites))
        return f'<div class="behind"><h4>{escape(heading)}</h4><ul>{items}</ul></div>'

    @staticmethod
    def _title(site: SiteView) -> str:
        """The title, and the name the config and the metrics know the site by, unless the
        title is that name already."""
        if site.title == site.name:
            return escape(site.title)
        return f'{escape(site.title)} <span class="name">{escape(site.name)}</span>'

    def _rtt(self, seconds: float) -> str:
        # Below a millisecond (a LAN, a short fibre) one decimal would round to a false 0 ms.
        if seconds < 0.001:
            return f"{seconds * 1000:.2f}".replace(".", self.numbers.decimal) + " ms"
        return format_rtt(self.numbers, seconds)

    def _badge(self, state: LinkState, small: bool = False) -> str:
        size = " small" if small else ""
        return (f'<span class="badge{size} state-{state.value}">'
                f"{escape(self.words.state[state])}</span>")

    def _since(self, at: float) -> str:
        return self.words.since.format(time=self._time(at, full=False),
                                       span=format_span(self.numbers, self.now - at))

    def _time(self, at: float, *, full: bool) -> str:
        """A wall-clock time in the office's zone; the date only when it is not today, or
        when ``full``."""
        local = datetime.fromtimestamp(at, self.zone)
        today = datetime.fromtimestamp(self.now, self.zone).date()
        template = self.words.clock_seconds if full else self.words.clock
        clock = template.format(hour=local.hour, minute=local.minute, second=local.second)
        month = self.words.months[local.month - 1]
        if full:
            clock = f"{local.day} {month} {local.year} {clock}"
        elif local.date() != today:
            clock = f"{local.day} {month} {clock}"
        return f"{clock} {local.tzname() or self.zone.key}"

    def _zone_name(self) -> str:
        return datetime.fromtimestamp(self.now, self.zone).tzname() or self.zone.key
