"""What the status page shows, read from the state store: sites in the order a sysadmin
should look at them, and the sites cut off by one failure kept with that failure.

Pure and without markup, so the grouping and the figures are tested apart from the HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from collector.alerting.outage_log import Acknowledgement
from collector.config import LinkKind
from collector.state import LinkState, StateStore
from collector.state.measures import median_rtt
from collector.state.services import ServiceState

# Worst first: a cut matters more than the sites behind it, which matter more than a slow link.
PROBLEMS = (LinkState.DOWN, LinkState.UNREACHABLE, LinkState.ERROR, LinkState.DEGRADED)
SUMMARY_ORDER = (LinkState.UP, LinkState.DEGRADED, LinkState.DOWN, LinkState.UNREACHABLE,
                 LinkState.ERROR, LinkState.UNKNOWN)


@dataclass(frozen=True)
class LinkView:
    name: str
    kind: LinkKind
    parent: str | None
    state: LinkState
    since: float
    loss: float | None
    """Share of the last round's echoes, over all the link's targets, that got no reply."""
    rtt: float | None
    """Median RTT of the last round's replies, over all the link's targets."""
    acked: Acknowledgement | None = None
    """Who took the link's open outage in hand."""


@dataclass(frozen=True)
class ServiceView:
    name: str
    title: str
    state: LinkState
    since: float
    failure: str | None
    """Why the last check failed (a failure kind), if it did."""
    status_code: int | None
    acked: Acknowledgement | None = None


@dataclass(frozen=True)
class SiteView:
    name: str
    title: str
    state: LinkState
    since: float
    links: tuple[LinkView, ...]
    behind: tuple[SiteView, ...] = ()
    """For a site that is down: the unreachable sites whose nearest down site above is it."""
    services: tuple[ServiceView, ...] = ()
    acked: Acknowledgement | None = None
    """Who took the site's open outage in hand."""


Acknowledgements = Mapping[tuple[str, str | None, str | None], Acknowledgement]
"""Open outages someone took in hand, by (site, link, service) as the outage log has them."""


@dataclass(frozen=True)
class StatusView:
    counts: dict[LinkState, int]
    """Every site counted once by its own state, including those grouped behind a cut."""
    problems: tuple[SiteView, ...]
    unknown: tuple[SiteView, ...]
    healthy: tuple[SiteView, ...]


def build_view(store: StateStore, order: tuple[str, ...],
               services: ServiceState | None = None,
               acks: Acknowledgements | None = None) -> StatusView:
    """The page's content; ``order`` is the config's order of sites, kept within each state
    because it is the order the office wrote them in."""
    sites = {name: _site(store, name, services, acks or {}) for name in order}
    cuts: dict[str, list[SiteView]] = {}
    loose: list[SiteView] = []
    for view in sites.values():
        if view.state is not LinkState.UNREACHABLE:
            continue
        cut = store.topology.cut_above(
            view.name, lambda parent: store.sites[parent].state is LinkState.DOWN)
        if cut is None:
            # Behind a site that is itself only unreachable, with no down site found above:
            # shown on its own rather than hidden.
            loose.append(view)
        else:
            cuts.setdefault(cut, []).append(view)
    shown = [SiteView(v.name, v.title, v.state, v.since, v.links, tuple(cuts.get(v.name, ())),
                      v.services, v.acked)
             for v in sites.values() if v.state is not LinkState.UNREACHABLE] + loose
    counts = {state: 0 for state in SUMMARY_ORDER}
    for view in sites.values():
        counts[view.state] += 1
    problems = [v for state in PROBLEMS for v in shown if v.state is state]
    return StatusView(
        counts=counts,
        problems=tuple(problems),
        unknown=tuple(v for v in shown if v.state is LinkState.UNKNOWN),
        healthy=tuple(v for v in shown if v.state is LinkState.UP),
    )


def _site(store: StateStore, name: str, services: ServiceState | None,
          acks: Acknowledgements) -> SiteView:
    record = store.sites[name]
    links = tuple(_link(store, name, link.name, acks.get((name, link.name, None)))
                  for link in record.site.links)
    checked = tuple(
        ServiceView(each.service.name, each.service.title, LinkState(each.state.value),
                    each.since, each.last.failure if each.last else None,
                    each.last.status_code if each.last else None,
                    acks.get((name, None, each.service.name)))
        for (site, _), each in (services.services.items() if services else ()) if site == name)
    return SiteView(name, record.site.title, record.state, record.since, links,
                    services=checked, acked=acks.get((name, None, None)))


def _link(store: StateStore, site: str, name: str,
          acked: Acknowledgement | None) -> LinkView:
    record = store.links[(site, name)]
    lasts = [t.last for t in record.targets.values() if t.last is not None]
    sent = sum(r.sent for r in lasts)
    received = sum(r.received for r in lasts)
    rtts = tuple(rtt for r in lasts for rtt in r.rtts)
    return LinkView(name=name, kind=record.link.kind, parent=record.link.parent,
                    state=record.state, since=record.since,
                    loss=1.0 - received / sent if sent else None, rtt=median_rtt(rtts),
                    acked=acked)

