"""The types of the word catalogues: what mails, the status page and the report say.

The values, one catalogue per language, are in `collector.words.id` and `collector.words.en`;
`tests/unit/test_words.py` holds the two to the same keys and placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import Cause, EvidenceKind
from collector.config import LinkKind
from collector.state import LinkState


@dataclass(frozen=True)
class Words:
    """What mails say."""

    headline: dict[EventKind, str]
    """The shouted word of a subject: PUTUS, PULIH…"""
    sentence: dict[EventKind, str]
    """What happened, about `{what}`: a site's title, or a link of it."""
    link_only_down: str
    stable_again: str
    """RECOVERED at the end of a flapping episode."""
    """DOWN of one link while the site stays reachable through another."""
    link_of: str
    service_of: str
    failures: dict[str, str]
    """Why a service's check failed, by kind; `{code}` for status."""
    planned_tag: str
    sites_affected: str
    """Subject suffix of a cut, `{n}` sites behind it included."""
    one_site_affected: str
    after: str
    lasting: str
    events: str
    more: str
    more_sites: str
    """The end of a list of sites cut short to fit a chat message: `{n}` left out."""
    intro: str
    labels: dict[str, str]
    yes_planned: str
    no: str
    cause: dict[Cause, str]
    evidence: dict[EvidenceKind, str]
    """What a cause was judged from: `{who}` (devices or agents), `{time}` (a clock time)."""
    reasons: dict[str, str]
    """Why echoes could not be sent, by PingError value."""
    state: dict[str, str]
    quality: str
    footer: str
    status_link: str
    ack_button: str
    """The button under a down message in a chat that takes the outage in hand."""
    ack_button_for: str
    """The same when a message holds several outages: `{what}` each is about."""
    ack_line: str
    """Added to the message once someone pressed it: `{by}`, `{time}`."""
    ack_line_for: str
    """The same for one of several outages of the message: `{outage}` its number."""
    ack_recorded: str
    """What the one who pressed it is told: `{outage}`."""
    ack_already: str
    """…when someone else (`{by}`) was quicker."""
    ack_over: str
    """…when the outage had ended."""
    test_subject: str
    test_text: str
    test_message: str
    """A test on a chat or webhook channel: `{host}`, `{time}`, `{channel}`."""
    units: tuple[str, str, str, str]
    """Day, hour, minute, second."""
    decimal: str
    months: tuple[str, ...]
    days: tuple[str, ...]
    time_format: str
    clock_format: str
    """A time of day alone, to the second."""



@dataclass(frozen=True)
class PageWords:
    """What the status page says."""

    lang: str
    """The document's `lang` attribute: a phone's reader and hyphenation follow it."""
    heading: str
    state: dict[LinkState, str]
    """The badge of a site or link, shouted."""
    count: dict[LinkState, str]
    """One part of the summary line, about `{n}` sites."""
    problems: str
    unknown: str
    healthy: str
    rendered: str
    since: str
    """`{time}` the state began, `{span}` how long ago."""
    acked: str
    """An outage someone took in hand: `{by}` and `{time}`."""
    behind: str
    """Heading of the sites cut off with a down site: `{n}` of them."""
    link: str
    service: str
    problem: str
    loss: str
    rtt: str
    kind: dict[LinkKind, str]
    via: str
    direct: str
    no_round: str
    footer: str
    """`{seconds}` between reloads, `{zone}` the office's time zone."""
    months: tuple[str, ...]
    clock: str
    """A wall-clock time from `{hour}` and `{minute}`."""
    clock_seconds: str
    """The same with `{second}`: the page's own time, which changes at every reload."""



@dataclass(frozen=True)
class ReportWords:
    """What the availability report says."""

    mail: Words
    title: str
    subtitle: str
    period: str
    so_far: str
    generated: str
    summary: dict[str, str]
    clean_sites: str
    table_title: str
    columns: dict[str, str]
    bar_scale: str
    grades: dict[str, str]
    definition: str
    timeline: str
    legend: dict[str, str]
    day_tip: dict[str, str]
    outage_columns: dict[str, str]
    ongoing: str
    yes: str
    no: str
    cause: dict[Cause, str]
    behind: str
    no_outages: str
    maintenance: str
    not_judged: str
    services: str
    service_columns: dict[str, str]
    services_note: str
    clock: str
    """Hour and minute separator."""




@dataclass(frozen=True)
class Catalogue:
    """Everything Pantau says to people in one language."""

    mail: Words
    page: PageWords
    report: ReportWords
