"""The monthly availability report: every site's figures for one calendar month, and its CSV.

`build_month` is pure (outages and monitored spans in, figures out); the files are written by
`collector.report.command`. Months are calendar months in `collector.timezone`; the current
month is judged up to `now`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from collector.alerting.maintenance import MaintenanceCalendar, Window
from collector.alerting.outage_log import Cause, Outage
from collector.config import CollectorConfig
from collector.intervals import Interval
from collector.report.availability import (
    ServiceAvailability,
    SiteAvailability,
    network_availability,
    service_availability,
    site_availability,
)
from collector.report.period import month_bounds
from collector.words import floor_decimal

CSV_COLUMNS = (
    "site", "title", "availability_ratio", "availability_percent", "outages",
    "downtime_minutes", *(f"downtime_{cause.value}_minutes" for cause in Cause),
    "longest_minutes", "mttr_minutes", "planned_minutes", "period_minutes",
    "monitored_minutes", "unmonitored_minutes", "coverage_ratio",
)


SERVICE_CSV_COLUMNS = (
    "site", "service", "title", "kind", "availability_ratio", "availability_percent",
    "outages", "downtime_minutes", "site_downtime_minutes", "longest_minutes", "mttr_minutes",
)


@dataclass(frozen=True)
class ServiceReport:
    name: str
    title: str
    kind: str
    figures: ServiceAvailability


@dataclass(frozen=True)
class SiteReport:
    name: str
    title: str
    figures: SiteAvailability
    windows: tuple[Window, ...]
    """Maintenance windows overlapping the month, whole."""
    services: tuple[ServiceReport, ...] = ()
    """The site's services, in the config's order."""


@dataclass(frozen=True)
class MonthlyReport:
    year: int
    month: int
    start: float
    end: float
    now: float
    zone: ZoneInfo
    sites: tuple[SiteReport, ...]
    """In the config's order."""

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def complete(self) -> bool:
        return self.now >= self.end

    @property
    def network(self) -> float | None:
        return network_availability([site.figures for site in self.sites])

    def worst_first(self) -> list[SiteReport]:
        """Lowest availability first; sites without a figure (all planned) last."""
        return sorted(self.sites, key=lambda s: (
            s.figures.availability is None, s.figures.availability or 0.0,
            -s.figures.downtime_seconds, s.name))


def build_month(config: CollectorConfig, outages: Sequence[Outage], year: int, month: int,
                now: float, monitored: Mapping[str, Sequence[Interval]] | None = None,
                ) -> MonthlyReport:
    """Figures for every configured site; `outages` are those overlapping the month,
    `monitored` the ledger's spans per site (None: the whole month was monitored)."""
    zone = config.collector.zone
    start, end = month_bounds(year, month, zone)
    calendar = MaintenanceCalendar(config)
    sites = []
    for site in config.sites:
        planned = calendar.planned_intervals(site.name, start, end)
        spans = None if monitored is None else monitored.get(site.name, ())
        figures = site_availability(site.name, outages, planned, start, end, now, spans)
        windows = calendar.occurrences(site.name, start, figures.end)
        services = tuple(ServiceReport(service.name, service.title, service.kind,
                                       service_availability(figures, service.name, outages))
                         for service in site.services)
        sites.append(SiteReport(site.name, site.title, figures, tuple(windows), services))
    return MonthlyReport(year, month, start, end, now, zone, tuple(sites))


def render_csv(report: MonthlyReport) -> str:
    """One row per site in config order; ratios for machines, a floored percent for people,
    minutes for both. Empty cells where a figure does not exist (no MTTR without a repair)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for site in report.sites:
        figures = site.figures
        ratio = figures.availability
        writer.writerow([
            site.name, site.title,
            "" if ratio is None else f"{floor_decimal(ratio, 8):f}",
            "" if ratio is None else f"{floor_decimal(ratio * 100, 3):f}",
            figures.counted,
            _minutes(figures.downtime_seconds),
            *(_minutes(figures.downtime_by_cause[cause]) for cause in Cause),
            _minutes(figures.longest_seconds),
            "" if figures.mttr_seconds is None else _minutes(figures.mttr_seconds),
            _minutes(figures.planned_seconds),
            _minutes(figures.period_seconds),
            _minutes(figures.monitored_seconds),
            _minutes(figures.unmonitored_seconds),
            "" if figures.coverage is None else f"{floor_decimal(figures.coverage, 8):f}",
        ])
    return out.getvalue()


def render_services_csv(report: MonthlyReport) -> str:
    """One row per service, sites in config order: its own availability and downtime, and
    apart from them the time its site was down (counted for the site, not the service)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SERVICE_CSV_COLUMNS)
    for site in report.sites:
        for service in site.services:
            figures = service.figures.figures
            ratio = figures.availability
            writer.writerow([
                site.name, service.name, service.title, service.kind,
                "" if ratio is None else f"{floor_decimal(ratio, 8):f}",
                "" if ratio is None else f"{floor_decimal(ratio * 100, 3):f}",
                figures.counted, _minutes(figures.downtime_seconds),
                _minutes(service.figures.site_downtime_seconds),
                _minutes(figures.longest_seconds),
                "" if figures.mttr_seconds is None else _minutes(figures.mttr_seconds),
            ])
    return out.getvalue()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.2f}"
