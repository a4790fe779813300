"""Scheduling: one APScheduler job per scheduled target of any kind (a site's ping round, a
device's SNMP poll), each never overlapping itself.

Stopping cancels the checks under way and waits for them to end: a collector stopped in the
middle of a round says nothing about it (no traceback, no job "raised an exception"), and no
check outlives the sockets it uses."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
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

    def start(self) -> None:
        now = datetime.now().astimezone()
        for target in self._targets:
            # Spread the first runs so that a restarted collector does not probe every
            # target at the same instant.
            first = now + timedelta(seconds=random.uniform(0, target.first_within)
                                    if target.first_within else 0)
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
        self._scheduler.start()
        counts = Counter(target.kind for target in self._targets)
        log.info("scheduled %s", ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
                 or "nothing")

    async def _job(self, target: Scheduled) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await self._run(target)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.debug("%s cut short: the collector stops", target.title)
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
