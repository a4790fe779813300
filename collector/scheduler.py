"""Scheduling: one APScheduler job per site's ping round and per device's SNMP poll, each
never overlapping itself."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from collector.config import CollectorConfig, Device, Site

log = logging.getLogger(__name__)

RoundJob = Callable[[Site], Awaitable[None]]
PollJob = Callable[[Site, Device], Awaitable[None]]

# SNMP polls have no jitter setting; spreading the first ones over this keeps a large
# network from being walked all at once when the collector starts.
_FIRST_POLL_SPREAD = 10.0


class RoundScheduler:
    def __init__(self, config: CollectorConfig, run_round: RoundJob,
                 poll_device: PollJob | None = None) -> None:
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1},
            logger=logging.getLogger("collector.scheduler.apscheduler"),
        )
        self._config = config
        self._run_round = run_round
        self._poll_device = poll_device

    def start(self) -> None:
        jitter = self._config.icmp.jitter
        now = datetime.now().astimezone()
        for site in self._config.sites:
            # Spread the first rounds over the jitter so that a restarted collector
            # does not send every site's burst at the same instant.
            first = now + timedelta(seconds=random.uniform(0, jitter) if jitter else 0)
            self._scheduler.add_job(
                self._run_round,
                IntervalTrigger(seconds=site.interval, jitter=jitter or None),
                args=[site],
                id=f"icmp:{site.name}",
                name=f"ping round of {site.name}",
                next_run_time=first,
                # A round that starts late still measures the network; run it
                # unless it is already time for the next one.
                misfire_grace_time=max(1, int(site.interval)),
            )
            if self._poll_device is None:
                continue
            for device in site.devices:
                spread = min(device.interval, _FIRST_POLL_SPREAD)
                self._scheduler.add_job(
                    self._poll_device,
                    IntervalTrigger(seconds=device.interval),
                    args=[site, device],
                    id=f"snmp:{site.name}/{device.name}",
                    name=f"SNMP poll of {site.name}/{device.name}",
                    next_run_time=now + timedelta(seconds=random.uniform(0, spread)),
                    misfire_grace_time=max(1, int(device.interval)),
                )
        self._scheduler.start()
        log.info("scheduled %d sites, %d SNMP devices", len(self._config.sites),
                 sum(len(site.devices) for site in self._config.sites))

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
