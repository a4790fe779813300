"""The agencies' services: each check's result, and each service's state with hysteresis.

A service is `up`, `degraded` (slower than its `degraded_latency`, or its certificate expires
within `warn_days`), `down` after `down_after` failed checks in a row, back after `up_after`
good ones, and `unreachable` while its site is down or unreachable: its failure is then the
site's, not its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from collector.config import CollectorConfig
from collector.config.services import Service
from collector.state.health import LinkState
from collector.state.store import StateStore

log = logging.getLogger(__name__)


class FailureKind(StrEnum):
    """Why a service's check failed. A small fixed set: it becomes a metric label."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    STATUS = "status"
    BODY = "body"
    OTHER = "other"


class ServiceStateKind(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class ServiceResult:
    """One check of one service."""

    site: str
    service: str
    kind: str
    at: float
    duration: float
    failure: str | None = None
    """Why it failed (timeout, dns, connect, tls, status, body, other); None: success."""
    detail: str = ""
    status_code: int | None = None
    phases: Mapping[str, float] = field(default_factory=dict)
    cert_expiry: float | None = None
    """When the server's certificate expires (Unix time), for https."""
    figures: Mapping[str, float] = field(default_factory=dict)
    """Figures of the kind's own, by name (dns: `answer_rrs`, the records in the answer
    section), for its exposition."""

    @property
    def success(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class ServiceTransition:
    site: str
    service: str
    old: ServiceStateKind
    new: ServiceStateKind
    at: float
    since: float
    """When it began: the first check of the streak that decided it."""
    last: ServiceResult


class ServiceRecord:
    def __init__(self, site: str, service: Service, now: float) -> None:
        self.site = site
        self.service = service
        self.state = ServiceStateKind.UNKNOWN
        self.since = now
        self.last: ServiceResult | None = None
        self.checks = 0
        self.failures: dict[str, int] = {}
        self._failed_streak = 0
        self._good_streak = 0
        self.streak_started = now
        self._streak_failed: bool | None = None

    def observe(self, result: ServiceResult, site_reachable: bool,
                may_go_down: bool = True) -> ServiceStateKind:
        """The new state after ``result``; ``may_go_down`` False holds a due ``down`` back
        while its site's own rounds are failing (the failure is probably the site's)."""
        self.last = result
        self.checks += 1
        failed = result.failure is not None
        if failed is not self._streak_failed:
            self._streak_failed = failed
            self.streak_started = result.at
        if result.failure is not None:
            self.failures[result.failure] = self.failures.get(result.failure, 0) + 1
        if not site_reachable:
            self._failed_streak = self._good_streak = 0
            return ServiceStateKind.UNREACHABLE
        if result.failure is not None:
            self._good_streak = 0
            self._failed_streak += 1
            if self.state is ServiceStateKind.DOWN or (
                    self._failed_streak >= self.service.down_after and may_go_down):
                return ServiceStateKind.DOWN
            return self.state if self.state is not ServiceStateKind.UNREACHABLE \
                else ServiceStateKind.UNKNOWN
        self._failed_streak = 0
        quality = self._quality(result)
        if self.state is ServiceStateKind.DOWN:
            self._good_streak += 1
            if self._good_streak < self.service.up_after:
                return ServiceStateKind.DOWN
        self._good_streak = 0
        return quality

    def _quality(self, result: ServiceResult) -> ServiceStateKind:
        limit = self.service.degraded_latency
        if limit is not None and result.duration >= limit:
            return ServiceStateKind.DEGRADED
        if result.cert_expiry is not None and \
                result.cert_expiry - result.at <= self.service.warn_days * 86400:
            return ServiceStateKind.DEGRADED
        return ServiceStateKind.UP


class ServiceState:
    def __init__(self, config: CollectorConfig, store: StateStore,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        now = clock()
        self.services: dict[tuple[str, str], ServiceRecord] = {
            (site.name, service.name): ServiceRecord(site.name, service, now)
            for site in config.sites for service in site.services}

    def adopt(self, old: ServiceState) -> None:
        """Take over from ``old`` (before a reload) the services this config still checks:
        their states, streaks and counts; a changed one is judged by its new settings from
        its next check on."""
        for key, record in self.services.items():
            before = old.services.get(key)
            if before is not None:
                before.service = record.service
                self.services[key] = before

    def record(self, result: ServiceResult) -> ServiceTransition | None:
        """Fold one check in; the change of state it made, if any."""
        record = self.services[(result.site, result.service)]
        site = self._store.sites[result.site]
        reachable = site.state not in (LinkState.DOWN, LinkState.UNREACHABLE)
        new = record.observe(result, reachable, not self._store.site_suspect(result.site))
        if new is record.state:
            return None
        now = self._clock()
        # Unreachable from when its site went; otherwise from the streak that decided it.
        began = site.since if new is ServiceStateKind.UNREACHABLE else record.streak_started
        since = min(max(began, record.since), now)
        change = ServiceTransition(result.site, result.service, record.state, new, now, since,
                                   result)
        trouble = {ServiceStateKind.DOWN, ServiceStateKind.DEGRADED}
        log.log(logging.WARNING if {record.state, new} & trouble else logging.INFO,
                "service %s/%s is %s (was %s)%s", result.site, result.service, new.value,
                record.state.value, f": {result.failure}" if new is ServiceStateKind.DOWN
                and result.failure else "")
        record.state, record.since = new, since
        return change
