"""The alerting service: feeds the engine from the rest of the collector, ticks it, and hands
the notifications that fall due to the mail side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from collector.alerting.causes import SiteEvidence
from collector.alerting.engine import AlertEngine, Calendar
from collector.alerting.notifications import EventKind, Notification
from collector.alerting.outage_log import OutageLog
from collector.config import CollectorConfig
from collector.ingest import AgentIngest
from collector.ingest.reportlog import BOOT_TIME_TOLERANCE
from collector.snmp.state import RebootEvent, SnmpState
from collector.state import StateStore, Transition

log = logging.getLogger(__name__)

Sink = Callable[[list[Notification]], Awaitable[None]]
TICK = 0.5


class AlertService:
    def __init__(self, config: CollectorConfig, store: StateStore, snmp: SnmpState,
                 ingest: AgentIngest, outages: OutageLog, sink: Sink,
                 calendar: Calendar | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._ingest = ingest
        self._sink = sink
        self._titles = {site.name: site.title for site in config.sites}
        self.engine = AlertEngine(config, outages, SiteEvidence(config, snmp, ingest.report_log),
                                  store, calendar, clock)
        self._agent_up: dict[str, bool] = {}
        self._boot_times: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def transitions(self, transitions: list[Transition]) -> None:
        if transitions:
            self.engine.on_transitions(transitions)

    def reboot(self, event: RebootEvent) -> None:
        self.engine.on_notification(Notification(
            EventKind.REBOOT, event.detected_at, event.site, self._titles[event.site],
            started_at=event.booted_at,
            detail=f"router {event.device} restarted (sysUpTime; up "
                   f"{event.uptime_before:.0f} s before)"))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="alerting")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # What fell due while stopping still goes to the outbox, not into oblivion.
        due = self.engine.tick()
        if due:
            await self._sink(due)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            try:
                self._watch_agents()
                due = self.engine.tick()
                if due:
                    await self._sink(due)
            except Exception:
                # Alerting must outlive any one bad event; the outage log keeps the rest.
                log.exception("alerting tick failed")

    def _watch_agents(self) -> None:
        registry = self._ingest.registry
        now = self._clock()
        for name, record in registry.records.items():
            up = registry.up(record)
            was = self._agent_up.get(name)
            self._agent_up[name] = up
            if was is not None and up != was:
                kind = EventKind.AGENT_BACK if up else EventKind.AGENT_SILENT
                self.engine.on_notification(Notification(
                    kind, now, record.site, self._titles.get(record.site, record.site),
                    detail=f"agent {name}"))
            if record.current is None:
                continue
            boot = record.current.boot_time
            known = self._boot_times.get(name)
            self._boot_times[name] = boot
            if known is not None and abs(boot - known) > BOOT_TIME_TOLERANCE:
                self.engine.on_notification(Notification(
                    EventKind.REBOOT, now, record.site,
                    self._titles.get(record.site, record.site), started_at=boot,
                    detail=f"server {name} booted again"))
