"""Each site's availability over the current calendar month, from the outage log.

The same figures as `collector report` gives for the month so far (collector/report/), so a
Grafana panel and the monthly report agree. They come from SQLite, so they are recomputed at
most every `CACHE_SECONDS` and carry the time they were computed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.alerting.maintenance import MaintenanceCalendar
from collector.alerting.outage_log import Cause, OutageLog
from collector.config import CollectorConfig
from collector.report.availability import SiteAvailability, site_availability
from collector.report.period import month_bounds, month_containing
from collector.state.ledger import MonitoringLedger

log = logging.getLogger(__name__)

CACHE_SECONDS = 10.0
PERIOD = "month"
_CACHED = (f"; recomputed from the outage log at most every {CACHE_SECONDS:g} s, see "
           "pantau_availability_computed_timestamp_seconds")


class AvailabilityCollector(Collector):
    """Availability ratio and downtime by cause of every configured site, month to date.

    A site without outages has availability 1 and downtime 0 for every cause; a site whose
    month so far was all planned maintenance has no availability sample (0 / 0).
    """

    def __init__(self, config: CollectorConfig, outages: OutageLog,
                 ledger: MonitoringLedger | None = None,
                 calendar: MaintenanceCalendar | None = None,
                 clock: Callable[[], float] = time.time,
                 cache_seconds: float = CACHE_SECONDS) -> None:
        self._config = config
        self._outages = outages
        self._ledger = ledger
        self._calendar = calendar or MaintenanceCalendar(config)
        self._zone = config.collector.zone
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._computed_at: float | None = None
        self._figures: list[SiteAvailability] = []
        self._failing = False

    def collect(self) -> Iterator[Metric]:
        figures, computed_at = self._current()
        ratio = GaugeMetricFamily(
            "pantau_site_availability_ratio",
            "Share of the monitored time of the current calendar month so far "
            "(collector.timezone) in which the site could be reached, planned maintenance left "
            "out" + _CACHED,
            labels=["site", "period"])
        downtime = GaugeMetricFamily(
            "pantau_site_downtime_seconds",
            "Unplanned downtime of the site in the current calendar month so far, by likely "
            "cause (link, power, unknown)" + _CACHED,
            labels=["site", "period", "cause"])
        monitored = GaugeMetricFamily(
            "pantau_site_monitored_seconds",
            "Time of the current calendar month so far in which the site was judged: its rounds "
            "came on time, or it was in an outage" + _CACHED,
            labels=["site", "period"])
        unmonitored = GaugeMetricFamily(
            "pantau_site_unmonitored_seconds",
            "Time of the current calendar month so far in which the site was not judged (the "
            "collector stopped, starting, or the site could not be checked)" + _CACHED,
            labels=["site", "period"])
        stamp = GaugeMetricFamily(
            "pantau_availability_computed_timestamp_seconds",
            "When the availability figures were last computed from the outage log (Unix time)")
        for site in figures:
            if site.availability is not None:
                ratio.add_metric([site.site, PERIOD], site.availability)
            for cause in Cause:
                downtime.add_metric([site.site, PERIOD, cause.value],
                                    site.downtime_by_cause[cause])
            monitored.add_metric([site.site, PERIOD], site.monitored_seconds)
            unmonitored.add_metric([site.site, PERIOD], site.unmonitored_seconds)
        if computed_at is not None:
            stamp.add_metric([], computed_at)
        yield from (ratio, downtime, monitored, unmonitored, stamp)

    def _current(self) -> tuple[list[SiteAvailability], float | None]:
        now = self._clock()
        with self._lock:
            at = self._computed_at
            fresh = (at is not None and 0 <= now - at < self._cache_seconds
                     and month_containing(at, self._zone) == month_containing(now, self._zone))
            if not fresh:
                self._refresh(now)
            return self._figures, self._computed_at

    def _refresh(self, now: float) -> None:
        start, end = month_bounds(*month_containing(now, self._zone), self._zone)
        try:
            outages = self._outages.between(start, now)
        except sqlite3.Error as err:
            # Keep serving the last figures; their timestamp shows how old they are.
            if not self._failing:
                log.warning("cannot read the outage log for availability: %s", err)
            self._failing = True
            return
        if self._failing:
            log.info("outage log readable again")
        self._failing = False
        calendar = self._calendar
        ledger = self._ledger
        self._figures = [
            site_availability(site.name, outages,
                              calendar.planned_intervals(site.name, start, end), start, end, now,
                              None if ledger is None else ledger.spans(site.name, start, now))
            for site in self._config.sites]
        self._computed_at = now
