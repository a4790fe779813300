"""The alerting service: feeds the engine from the rest of the collector, ticks it, and hands
the notifications that fall due to the outbox.

Each step of the engine is one transaction of the outage log. A batch that fell due stays in
the outage log until the outbox has taken it; one the outbox cannot take (a full disk, a
locked file) waits in memory, in order, and is offered again at every tick: logged once,
counted. A batch offered twice (the collector stopped between the outbox's commit and the
outage log's) is stored once: its messages' keys come from its content."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from collector.alerting.causes import SiteEvidence
from collector.alerting.engine import AlertEngine, Batch, Calendar
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


@dataclass
class HandOverStats:
    failures: int = 0
    """Times the outbox could not take a batch (each offered again later)."""
    waiting: int = 0
    """Notifications decided, due, and not yet in the outbox."""


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
        # Since when each agent has been watched: one not heard since is silent after
        # agents.silence from there (the start, or the reload that added it).
        self._watched_since = dict.fromkeys(ingest.registry.records, clock())
        # Agents whose silence was told: the only ones whose return is news.
        self._silent_told = outages.silences_told()
        # When an agent's silence was last held back (its site was out, or in maintenance):
        # once that is over, the agent gets a whole silence time to report again.
        self._held_at: dict[str, float] = {}
        self._boot_times: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._waiting: deque[Batch] = deque(self.engine.unsent)
        self._handing: asyncio.Task[None] | None = None
        self._failing: str | None = None
        self.stats = HandOverStats()

    def reconfigure(self, config: CollectorConfig, store: StateStore, snmp: SnmpState,
                    ingest: AgentIngest, calendar: Calendar | None = None) -> None:
        """Go on with ``config`` (a reload), keeping what is known of what it still has.
        An agent added is watched from now; one removed is forgotten, and a silence told
        of it is over without a word."""
        now = self._clock()
        with self._outages.transaction():
            self._ingest = ingest
            self._titles = {site.name: site.title for site in config.sites}
            self._silence = config.agents.silence
            self.engine.reconfigure(config, SiteEvidence(config, snmp, ingest.report_log),
                                    store, calendar, store.topology)
            agents = ingest.registry.records
            self._watched_since = {name: self._watched_since.get(name, now) for name in agents}
            for name in [name for name in self._silent_told if name not in agents]:
                self._silent_told.discard(name)
                self._outages.silence_over(name)
            for table in (self._held_at, self._boot_times):
                for name in [name for name in table if name not in agents]:
                    del table[name]

    def transitions(self, transitions: list[Transition]) -> None:
        if transitions:
            with self._outages.transaction():
                self.engine.on_transitions(transitions)

    def outcome(self, outcome: Outcome) -> None:
        """Everything one check changed: link and site states, reboots, services' states and
        their certificates."""
        with self._outages.transaction():
            self.transitions(list(outcome.transitions))
            for reboot in outcome.reboots:
                self.reboot(reboot)
            if outcome.services:
                self.engine.on_service_transitions(list(outcome.services))
            for check in outcome.checks:
                self.engine.on_service_result(check)

    def reboot(self, event: RebootEvent) -> None:
        with self._outages.transaction():
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
        if self._handing is not None:
            with contextlib.suppress(Exception):
                await self._handing
        # What fell due while stopping still goes to the outbox, not into oblivion.
        self._take_due()
        await self._hand_over()
        self._outages.flush(force=True)

    async def _run(self) -> None:
        while True:
            try:
                with self._outages.transaction():
                    self._watch_agents()
                self._take_due()
                # Handed over beside the ticks: an outbox slow to take them (its file locked)
                # holds neither the grouping windows nor the reminders.
                if self._waiting and (self._handing is None or self._handing.done()):
                    self._handing = asyncio.create_task(self._hand_over(), name="hand-over")
                self._outages.flush()
            except Exception:
                # Alerting must outlive any one bad event; the outage log keeps the rest.
                log.exception("alerting tick failed")
            await asyncio.sleep(TICK)

    def _take_due(self) -> None:
        with self._outages.transaction():
            batch = self.engine.due()
        if batch is not None:
            self._waiting.append(batch)

    async def _hand_over(self) -> None:
        """Offer the outbox every batch waiting, oldest first, until one is refused."""
        while self._waiting:
            batch = self._waiting[0]
            try:
                await self._sink(batch.notifications)
            except (OSError, sqlite3.Error) as err:
                self.stats.failures += 1
                self.stats.waiting = sum(len(each.notifications) for each in self._waiting)
                if self._failing is None:
                    log.error("the outbox cannot take notifications (%s): %d wait, offered "
                              "again every %g s", err, self.stats.waiting, TICK)
                self._failing = str(err)
                return
            except Exception:
                # Not the disk: offering it again would fail again, and hold back the rest.
                log.exception("a batch of %d notifications cannot be made into messages: "
                              "dropped (%s)", len(batch.notifications),
                              ", ".join(str(n.kind) for n in batch.notifications))
            self._waiting.popleft()
            with self._outages.transaction():
                self.engine.handed_over(batch)
            if self._failing is not None and not self._waiting:
                log.warning("the outbox takes notifications again")
                self._failing = None
        self.stats.waiting = 0

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
                waited_from = max(self._watched_since[name] if record.live_at is None
                                  else 0.0,
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
