"""A satellite's link to the core: every result of its checks, sent as an observation
(pantau_wire.observations) to the core, which evaluates it; the satellite tells nobody.

Observations are numbered from the clock in milliseconds, one more each, so that the numbers
rise through restarts. A result the core cannot be reached for is lost for now (counted and
logged once per change): keeping them on disk and replaying them is the next step.
"""

from __future__ import annotations

import gzip
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from collector.config.satellites import CoreLink
from collector.probes import WireForm
from pantau_wire.observations import OBSERVATIONS_PATH, encode_batch, observation

log = logging.getLogger(__name__)


@dataclass
class ForwardStats:
    sent: dict[str, int] = field(default_factory=dict)
    """Observations the core took, by kind."""
    failed: dict[str, int] = field(default_factory=dict)
    """Observations lost, by why: unreachable, refused."""


class Forwarder:
    def __init__(self, link: CoreLink, wires: Mapping[str, WireForm],
                 clock: Callable[[], float] = time.time) -> None:
        self._link = link
        self._wires = dict(wires)
        self._clock = clock
        self._url = link.url + OBSERVATIONS_PATH.format(satellite=link.name)
        self._seq = -1
        self._session: aiohttp.ClientSession | None = None
        self._down: str | None = None
        self.stats = ForwardStats()

    async def start(self) -> None:
        context = ssl.create_default_context(cafile=str(self._link.ca_file)) \
            if self._link.ca_file else None
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._link.timeout),
            connector=aiohttp.TCPConnector(ssl=context if context is not None else True))

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _next_seq(self) -> int:
        self._seq = max(self._seq + 1, int(self._clock() * 1000))
        return self._seq

    async def send(self, kind: str, result: Any) -> None:
        """Send one result of kind ``kind`` to the core."""
        wire = self._wires.get(kind)
        if wire is None or self._session is None:
            return
        body = gzip.compress(encode_batch([observation(
            self._next_seq(), kind, self._clock(), result.site, wire.encode(result))]),
            compresslevel=5)
        try:
            async with self._session.post(self._url, data=body, headers={
                    "Authorization": f"Bearer {self._link.token.reveal()}",
                    "Content-Type": "application/json", "Content-Encoding": "gzip"}) as answer:
                text = await answer.text()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            self._failed("unreachable", f"{type(err).__name__}: {err}")
            return
        if status != 200:
            self._failed("refused", f"HTTP {status}: {text[:200]}")
            return
        self.stats.sent[kind] = self.stats.sent.get(kind, 0) + 1
        if self._down is not None:
            log.info("the core (%s) takes observations again", self._link.url)
            self._down = None

    def _failed(self, why: str, detail: str) -> None:
        self.stats.failed[why] = self.stats.failed.get(why, 0) + 1
        if self._down != why:
            log.warning("the core (%s) did not take an observation (%s): %s; what is not "
                        "taken is lost", self._link.url, why, detail)
            self._down = why
