"""Scheduling: one APScheduler job per scheduled target of any kind (a site's ping round, a
device's SNMP poll), each never overlapping itself.

Stopping cancels the checks under way and waits for them to end: a collector stopped in the
middle of a round says nothing about it (no traceback, no job "raised an exception"), and no
check outlives the sockets it uses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from collector.probes import Scheduled

log = logging.getLogger(__name__)

Job = Callable[[Scheduled], Awaitable[None]]


class ProbeScheduler:
    def __init__(self, targets: Sequence[Scheduled], run: Job) -> None:
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1},
            logger=logging.getLogger("collector.scheduler.apscheduler"),
        )
        self._targets = list(targets)
        self._run = run
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = False
        self._cutting = False

    def start(self) -> None:
        for target in self._targets:
            self._add(target)
        self._scheduler.start()
        counts = Counter(target.kind for target in self._targets)
        log.info("scheduled %s", ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
                 or "nothing")

    def _add(self, target: Scheduled) -> None:
        # Spread the first runs so that a restarted collector does not probe every target
        # at the same instant.
        first = datetime.now().astimezone() + timedelta(
            seconds=random.uniform(0, target.first_within) if target.first_within else 0)
        self._scheduler.add_job(
            self._job,
            IntervalTrigger(seconds=target.interval, jitter=target.jitter or None),
            args=[target],
            id=target.key,
            name=target.title,
            next_run_time=first,
            # A check that starts late still measures the network; run it unless it is
            # already time for the next one.
            misfire_grace_time=max(1, int(target.interval)),
        )

    def update(self, targets: Sequence[Scheduled]) -> None:
        """Check ``targets`` from now on (a reload): one kept as it was keeps its schedule,
        one changed is checked as it now is (on a new schedule if its interval changed), one
        new starts within its ``first_within``, one gone is checked no more."""
        before = {target.key: target for target in self._targets}
        self._targets = list(targets)
        if not self._scheduler.running:
            return
        after = {target.key: target for target in self._targets}
        for key in before.keys() - after.keys():
            self._scheduler.remove_job(key)
        for key, target in after.items():
            old = before.get(key)
            if old is None:
                self._add(target)
            elif old != target:
                self._scheduler.modify_job(key, args=[target], name=target.title,
                                           misfire_grace_time=max(1, int(target.interval)))
                if (old.interval, old.jitter) != (target.interval, target.jitter):
                    self._scheduler.reschedule_job(key, trigger=IntervalTrigger(
                        seconds=target.interval, jitter=target.jitter or None))

    @contextlib.asynccontextmanager
    async def paused(self, wait: float) -> AsyncIterator[None]:
        """Start no check inside, and let those under way end first (within ``wait``
        seconds; those still running then are cut short, quietly)."""
        if self._scheduler.running:
            self._scheduler.pause()
        try:
            running = list(self._running)
            if running:
                _, late = await asyncio.wait(running, timeout=wait)
                if late:
                    self._cutting = True
                    try:
                        for task in late:
                            task.cancel()
                        await asyncio.gather(*late, return_exceptions=True)
                    finally:
                        self._cutting = False
                    log.info("%d checks under way were cut short", len(late))
            yield
        finally:
            if self._scheduler.running and not self._stopping:
                self._scheduler.resume()

    async def _job(self, target: Scheduled) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await self._run(target)
        except asyncio.CancelledError:
            if not (self._stopping or self._cutting):
                raise
            log.debug("%s cut short", target.title)
        finally:
            self._running.discard(task)

    def shutdown(self) -> None:
        """Start no more checks."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def stop(self) -> None:
        """Start no more checks, and end those under way."""
        self.shutdown()
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
