"""Scheduling: one APScheduler job per scheduled target of any kind (a site's ping round, a
device's SNMP poll), each never overlapping itself."""

from __future__ import annotations

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

    def start(self) -> None:
        now = datetime.now().astimezone()
        for target in self._targets:
            # Spread the first runs so that a restarted collector does not probe every
            # target at the same instant.
            first = now + timedelta(seconds=random.uniform(0, target.first_within)
                                    if target.first_within else 0)
            self._scheduler.add_job(
                self._run,
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

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
