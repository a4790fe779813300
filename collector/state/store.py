"""The state store: every link's and site's state, and the totals behind the metrics.

Sites are kept parents first, so one pass settles the whole graph: a link whose
parent site cannot be reached is ``unreachable`` (its own rounds say nothing
then), and a site is as good as its best link.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from collector.config import CollectorConfig, Link, RttBuckets, Site
from collector.icmp import PingResult
from collector.state.health import LinkHealth, LinkState, RoundSummary
from collector.state.measures import RTT_BUCKETS, RTT_BUCKETS_FULL, TargetTotals
from collector.topology import Topology

log = logging.getLogger(__name__)

_JUDGED_BY_ROUNDS = (LinkState.DOWN, LinkState.UP, LinkState.DEGRADED)


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of state; ``link`` is None for a site's own state."""

    site: str
    link: str | None
    old: LinkState
    new: LinkState
    at: float
    """When the collector decided it."""
    since: float = 0.0
    """When it began: the first round of the streak that decided it (``at`` if unknown)."""
    reason: str | None = None
    """For ``error``: why echoes could not be sent (a PingError value)."""

    def __post_init__(self) -> None:
        if not self.since:
            object.__setattr__(self, "since", self.at)


TROUBLE = frozenset({LinkState.DOWN, LinkState.UNREACHABLE, LinkState.ERROR,
                     LinkState.DEGRADED})
"""States whose start or end is logged at WARNING."""


class LinkRecord:
    def __init__(self, site: Site, link: Link, now: float,
                 buckets: tuple[float, ...] = RTT_BUCKETS) -> None:
        self.site = site
        self.link = link
        self.health = LinkHealth(link.state)
        self.state = LinkState.UNKNOWN
        self.since = now
        self.targets: dict[str, TargetTotals] = {str(t): TargetTotals(buckets)
                                                 for t in link.targets}
        self.interface_down = False
        # Start of the current run of failed (or of answered) rounds: an outage began with
        # its first failed round, not when down_after rounds later it was declared.
        self.streak_failed: bool | None = None
        self.streak_started = now
        # First round of the current run of rounds that could not send at all.
        self.error_started = now


class SiteRecord:
    def __init__(self, site: Site, now: float) -> None:
        self.site = site
        self.state = LinkState.UNKNOWN
        self.since = now
        self.last_round_at: float | None = None
        self.last_round_duration: float | None = None
        self.rounds = 0
        self.watched_since = now
        """When the collector began to watch it (its start, or the reload that added it)."""


def site_state_of(link_states: list[LinkState]) -> LinkState:
    if LinkState.UP in link_states:
        return LinkState.UP
    if LinkState.DEGRADED in link_states:
        return LinkState.DEGRADED
    if link_states and all(s is LinkState.UNREACHABLE for s in link_states):
        return LinkState.UNREACHABLE
    # A link that cannot be checked may be carrying the site: no failure is claimed.
    if LinkState.ERROR in link_states:
        return LinkState.ERROR
    if LinkState.DOWN in link_states:
        return LinkState.DOWN
    return LinkState.UNKNOWN


class StateStore:
    def __init__(self, config: CollectorConfig, clock: Callable[[], float] = time.time,
                 topology: Topology | None = None) -> None:
        self._clock = clock
        now = clock()
        self.topology = topology or Topology(config)
        self._order = self.topology.order
        self.sites: dict[str, SiteRecord] = {s.name: SiteRecord(s, now) for s in self._order}
        buckets = (RTT_BUCKETS_FULL if config.icmp.rtt_buckets is RttBuckets.FULL
                   else RTT_BUCKETS)
        self.links: dict[tuple[str, str], LinkRecord] = {
            (s.name, link.name): LinkRecord(s, link, now, buckets)
            for s in self._order for link in s.links
        }

    def adopt(self, old: StateStore) -> None:
        """Take over from ``old`` (the store of the config before a reload) what it knew
        of the sites and links this config still has: their states, streaks and windows,
        and the ping totals behind the counters of the targets they still ping. A changed
        link keeps its verdict and is judged by its new settings from the next round on."""
        for name, record in self.sites.items():
            before = old.sites.get(name)
            if before is not None:
                before.site = record.site
                self.sites[name] = before
        for key, record in self.links.items():
            before = old.links.get(key)
            if before is None:
                continue
            before.site, before.link = record.site, record.link
            before.health.reconfigure(record.link.state)
            # The totals of a target go on while it is pinged with the same histogram.
            before.targets = {
                target: kept if (kept := before.targets.get(target)) is not None
                and kept.bounds == fresh.bounds else fresh
                for target, fresh in record.targets.items()}
            self.links[key] = before

    def _parent_reachable(self, link: Link) -> bool:
        return link.parent is None or self.sites[link.parent].state.reachable

    def site_suspect(self, name: str) -> bool:
        """The site's last round got no reply on any of its links that are judged: a verdict
        on it may be coming, so what is seen through it waits."""
        records = [self.links[(name, link.name)] for link in self.sites[name].site.links]
        judged = [r for r in records if r.state is not LinkState.UNREACHABLE]
        return bool(judged) and all(r.health.failed_streak > 0 for r in judged)

    def _parent_suspect(self, link: Link) -> bool:
        """The parent's last round got no reply on any of its links: wait for its verdict."""
        if link.parent is None:
            return False
        parent = self.sites[link.parent].site
        parent_links = [self.links[(parent.name, pl.name)] for pl in parent.links]
        judged = [r for r in parent_links if r.state is not LinkState.UNREACHABLE]
        return bool(judged) and all(r.health.failed_streak > 0 for r in judged)

    def record_round(self, site_name: str, results: Mapping[str, PingResult],
                     duration: float) -> list[Transition]:
        """Fold one round of a site (results by target address) into the state."""
        now = self._clock()
        round_started = now - duration
        site = self.sites[site_name]
        site.last_round_at = now
        site.last_round_duration = duration
        site.rounds += 1
        for link in site.site.links:
            record = self.links[(site_name, link.name)]
            link_results = [results[t] for t in record.targets if t in results]
            for result in link_results:
                record.targets[result.target].add(result)
            summary = RoundSummary.of(link_results)
            if summary.could_not_send and record.health.error_streak == 0:
                record.error_started = round_started
            if not summary.could_not_send and summary.failed is not record.streak_failed:
                record.streak_failed = summary.failed
                record.streak_started = round_started
            if not self._parent_reachable(link):
                record.health.forget()
                continue
            if record.interface_down:
                # Down by its interface's word; good rounds count only once it is up again.
                continue
            record.health.observe(summary, may_go_down=not self._parent_suspect(link))
        return self._settle(now)

    def record_interface(self, site_name: str, link_name: str,
                         up: bool | None) -> list[Transition]:
        """The oper status of the interface carrying the link, from its device's last poll
        (None: the device did not answer, so the pings alone decide)."""
        record = self.links[(site_name, link_name)]
        down = up is False
        if down and not record.interface_down:
            record.health.force_down()
            log.info("link %s/%s: its interface reports down", site_name, link_name)
        record.interface_down = down
        return self._settle(self._clock())

    def _settle(self, now: float) -> list[Transition]:
        transitions: list[Transition] = []
        for site in self._order:
            states = []
            for link in site.links:
                record = self.links[(site.name, link.name)]
                if not self._parent_reachable(link):
                    # Cut off from the moment its parent went: the parent's since.
                    new, began = LinkState.UNREACHABLE, self._parent_since(link, now)
                elif record.interface_down:
                    new, began = LinkState.DOWN, now
                else:
                    new = record.health.state
                    if new in _JUDGED_BY_ROUNDS:
                        began = record.streak_started
                    elif new is LinkState.ERROR:
                        began = record.error_started
                    elif record.state is LinkState.UNREACHABLE:
                        began = self._parent_since(link, now)
                    else:
                        began = now
                if new is not record.state:
                    # A state cannot begin before the one it follows: a link that answered
                    # all through its parent's cut is up again when the parent is, not when
                    # its own streak of answers began.
                    since = min(max(began, record.since), now)
                    reason = record.health.error.value if new is LinkState.ERROR and \
                        record.health.error is not None else None
                    transitions.append(
                        Transition(site.name, link.name, record.state, new, now, since, reason))
                    record.state, record.since = new, since
                states.append(new)
            site_record = self.sites[site.name]
            new_site_state = site_state_of(states)
            if new_site_state is not site_record.state:
                since = min(max(self._site_since(site, new_site_state, now),
                                site_record.since), now)
                transitions.append(
                    Transition(site.name, None, site_record.state, new_site_state, now, since))
                site_record.state, site_record.since = new_site_state, since
        for t in transitions:
            what = f"link {t.site}/{t.link}" if t.link else f"site {t.site}"
            # Outages and recoveries at WARNING: `journalctl -p warning` shows them.
            level = logging.WARNING if {t.old, t.new} & TROUBLE else logging.INFO
            log.log(level, "%s is %s (was %s)", what, t.new.value, t.old.value)
        return transitions

    def _parent_since(self, link: Link, now: float) -> float:
        return self.sites[link.parent].since if link.parent is not None else now

    def _site_since(self, site: Site, state: LinkState, now: float) -> float:
        """A site is out from when its last link failed, back from when its first answered."""
        records = [self.links[(site.name, link.name)] for link in site.links]
        if state in (LinkState.DOWN, LinkState.UNREACHABLE):
            return max(r.since for r in records)
        if state in (LinkState.UP, LinkState.DEGRADED):
            return min((r.since for r in records if r.state is state or
                        r.state in (LinkState.UP, LinkState.DEGRADED)), default=now)
        return now

    def before_cut(self, site: str, link: str | None) -> tuple[float | None, float | None]:
        """Loss ratio and median RTT over the last rounds in which the link (for a site: its
        best link) still answered."""
        names = [link] if link is not None else [each.name for each in self.sites[site].site.links]
        figures = [(self.links[(site, name)].health.loss_before_cut,
                    self.links[(site, name)].health.rtt_before_cut) for name in names]
        known = [f for f in figures if f[0] is not None]
        return min(known, key=lambda f: f[0] or 0.0) if known else (None, None)
