"""Availability of a site over a period, from its outages and its planned maintenance.

Pure arithmetic on the outage log's rows; nothing here reads a clock or a file.

- Downtime is the union of the site's own outages (`link` None: the site as a whole, whether
  cut itself or unreachable behind a cut parent) clipped to the period, minus its planned
  maintenance. An outage the engine marked planned (it began inside a window) therefore
  counts only for the time it ran past the window: an overrun is downtime.
- Only monitored time is judged: the spans of the monitoring ledger (the collector was
  running and the site's rounds came on time) joined with the downtime (an outage open across
  a crash stays downtime). The rest of the period is unmonitored and counts neither way.
- Availability is 1 − downtime / (monitored time − planned time); undefined (None) when no
  monitored time is left.
- An outage still open counts up to the period's end, or to `now` if that is earlier; so does
  the period itself, which makes "this month so far" the same computation as a past month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from collector.alerting.outage_log import Cause, Outage
from collector.intervals import Interval, clip, merge, subtract, total


@dataclass(frozen=True)
class SiteAvailability:
    site: str
    start: float
    end: float
    """The end of the time judged: the period's end, or `now` when that came first."""
    planned: tuple[Interval, ...]
    downtime: tuple[Interval, ...]
    """Unplanned downtime within [start, end): sorted, disjoint."""
    downtime_by_cause: Mapping[Cause, float]
    outages: tuple[Outage, ...]
    """The site's own outages overlapping the period, planned ones included, oldest first."""
    counted: int
    """Outages that left some downtime in the period once planned time is removed."""
    longest_seconds: float
    """The most downtime one outage left in the period."""
    mttr_seconds: float | None
    """Mean full duration of the counted outages that ended in the period; None if none did."""
    outage_downtime: Mapping[int, float] = field(default_factory=dict)
    """Downtime each outage (by id) left in the period."""
    monitored: tuple[Interval, ...] = ()
    """The time judged within [start, end): monitored spans and downtime, sorted, disjoint."""

    @property
    def period_seconds(self) -> float:
        return self.end - self.start

    @property
    def monitored_seconds(self) -> float:
        return total(self.monitored)

    @property
    def unmonitored_seconds(self) -> float:
        return self.period_seconds - self.monitored_seconds

    @property
    def coverage(self) -> float | None:
        """Share of the period that was monitored."""
        return self.monitored_seconds / self.period_seconds if self.period_seconds > 0 else None

    @property
    def planned_seconds(self) -> float:
        return total(self.planned)

    @property
    def downtime_seconds(self) -> float:
        return total(self.downtime)

    @property
    def observed_seconds(self) -> float:
        """The time availability is judged over: monitored time less planned time."""
        return total(subtract(self.monitored, self.planned))

    @property
    def availability(self) -> float | None:
        observed = self.observed_seconds
        return None if observed <= 0 else 1.0 - self.downtime_seconds / observed


def site_availability(site: str, outages: Iterable[Outage], planned: Iterable[Interval],
                      start: float, end: float, now: float | None = None,
                      monitored: Iterable[Interval] | None = None,
                      service: str | None = None) -> SiteAvailability:
    """Availability of `site` over [start, end) as known at `now` (default: the period is over).

    `outages` may hold other sites' and links' outages too (as `OutageLog.between` returns
    them); `planned` is the site's maintenance (`MaintenanceCalendar.planned_intervals`);
    `monitored` the ledger's spans for the site (None: the whole period was monitored). With
    `service`, the figures of that service of the site, from its own outages.
    """
    stop = max(start, end if now is None else min(end, now))
    planned_time = clip(planned, start, stop)
    own = sorted((o for o in outages if o.site == site and o.link is None
                  and o.service == service
                  and o.started_at < stop and (o.ended_at is None or o.ended_at > start)),
                 key=lambda o: (o.started_at, o.id))
    # Outages of one site should not overlap; if two rows do (a restart mid-outage), the time
    # goes to the earlier one, so the causes still add up to the total.
    taken: list[Interval] = list(planned_time)
    by_cause = dict.fromkeys(Cause, 0.0)
    per_outage: dict[int, float] = {}
    repairs: list[float] = []
    for outage in own:
        until = outage.ended_at if outage.ended_at is not None else stop
        parts = subtract(clip([(outage.started_at, until)], start, stop), taken)
        seconds = total(parts)
        per_outage[outage.id] = seconds
        if seconds <= 0:
            continue
        taken.extend(parts)
        by_cause[outage.cause] += seconds
        if outage.ended_at is not None and start <= outage.ended_at <= stop:
            repairs.append(outage.ended_at - outage.started_at)
    downtime = subtract(taken, planned_time)
    counted = [seconds for seconds in per_outage.values() if seconds > 0]
    judged = [(start, stop)] if monitored is None else clip(monitored, start, stop)
    # Downtime is known time even where no round was judged (an outage open across a crash).
    judged = merge([*judged, *downtime])
    return SiteAvailability(
        site=site, start=start, end=stop, planned=tuple(planned_time),
        downtime=tuple(merge(downtime)), downtime_by_cause=by_cause, outages=tuple(own),
        counted=len(counted), longest_seconds=max(counted, default=0.0),
        mttr_seconds=sum(repairs) / len(repairs) if repairs else None,
        outage_downtime=per_outage, monitored=tuple(judged))


@dataclass(frozen=True)
class ServiceAvailability:
    """A service's own figures: its outages, with its site's downtime and planned time set
    aside (while the site is cut the service is unreachable, and that time is the site's)."""

    service: str
    figures: SiteAvailability
    """`downtime` and `availability` are the service's own; `planned` holds the time set
    aside (the site's planned time and its downtime)."""
    site_downtime_seconds: float
    """The site's downtime in the period: time the service was unreachable, counted for the
    site and not for the service."""


def service_availability(site: SiteAvailability, service: str,
                         outages: Iterable[Outage]) -> ServiceAvailability:
    """The figures of `service` of the site whose figures are `site`, over the same period."""
    aside = merge([*site.planned, *site.downtime])
    figures = site_availability(site.site, outages, aside, site.start, site.end, None,
                                site.monitored, service=service)
    return ServiceAvailability(service, figures, site.downtime_seconds)


def network_availability(sites: Sequence[SiteAvailability]) -> float | None:
    """All sites together: 1 − total downtime / total observed time, so a site counts by the
    time it was judged over (a site in maintenance all month counts for nothing)."""
    observed = sum(site.observed_seconds for site in sites)
    if observed <= 0:
        return None
    return 1.0 - sum(site.downtime_seconds for site in sites) / observed
