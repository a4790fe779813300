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
from collector.probes import Outcome
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
                                  store, calendar, clock, store.topology)
        self._outages = outages
        self._silence = config.agents.silence
        self._started_at = clock()
        # Agents whose silence was told: the only ones whose return is news.
        self._silent_told = outages.silences_told()
        # When an agent's silence was last held back (its site was out, or in maintenance):
        # once that is over, the agent gets a whole silence time to report again.
        self._held_at: dict[str, float] = {}
        self._boot_times: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def transitions(self, transitions: list[Transition]) -> None:
        if transitions:
            self.engine.on_transitions(transitions)

    def outcome(self, outcome: Outcome) -> None:
        """Everything one check changed: link and site states, reboots, services' states and
        their certificates."""
        self.transitions(list(outcome.transitions))
        for reboot in outcome.reboots:
            self.reboot(reboot)
        if outcome.services:
            self.engine.on_service_transitions(list(outcome.services))
        for check in outcome.checks:
            self.engine.on_service_result(check)

    def reboot(self, event: RebootEvent) -> None:
        self.engine.on_notification(Notification(
            EventKind.REBOOT, event.detected_at, event.site, self._titles[event.site],
            started_at=event.booted_at, device=event.device,
            uptime_before=event.uptime_before))

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
        """Agent events are transitions only: "silent" once an agent has not reported live
        for agents.silence (counted from the collector's start for one not heard since),
        "back" only after its "silent" went out; nothing on first contact or a restart."""
        registry = self._ingest.registry
        now = self._clock()
        for name, record in registry.records.items():
            title = self._titles.get(record.site, record.site)
            if registry.up(record):
                self._held_at.pop(name, None)
                if name in self._silent_told:
                    self._silent_told.discard(name)
                    self._outages.silence_over(name)
                    self.engine.on_notification(Notification(
                        EventKind.AGENT_BACK, now, record.site, title, agent=name))
            elif name not in self._silent_told:
                # Not up: no live report for agents.silence, or none at all since the start.
                waited_from = max(self._started_at if record.live_at is None else 0.0,
                                  self._held_at.get(name, 0.0))
                if now - waited_from >= self._silence:
                    if self.engine.on_notification(Notification(
                            EventKind.AGENT_SILENT, now, record.site, title, agent=name,
                            started_at=record.live_at)):
                        self._silent_told.add(name)
                        self._outages.silence_told(name, now)
                    else:
                        self._held_at[name] = now
            if record.current is None:
                continue
            boot = record.current.boot_time
            known = self._boot_times.get(name)
            self._boot_times[name] = boot
            if known is not None and abs(boot - known) > BOOT_TIME_TOLERANCE:
                self.engine.on_notification(Notification(
                    EventKind.REBOOT, now, record.site, title, started_at=boot, agent=name))
