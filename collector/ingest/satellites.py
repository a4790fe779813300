"""The core's side of the satellites: their observations, checked and evaluated as the core's
own checks are.

``POST /api/v1/satellites/<name>/observations`` (pantau_wire.observations): the satellite
must be configured (404) and bring its bearer token (401); the batch must arrive in time
(408), fit (413), be a batch (400); each observation must be of a site that satellite probes
(409) and hold what the kind's wire form allows for that site as the core configured it
(422). An observation numbered no higher than the last taken from that satellite is skipped
(a batch sent again). The rest go, in order, to the kind's recorder, and what they change to
alerting, as a round of the core's own would.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from collector.config import CollectorConfig
from collector.ingest.service import BODY_TIMEOUT, read_bounded
from collector.ingest.validation import Rejected, quote
from collector.probes import Scheduled, WireForm
from pantau_wire.observations import OBSERVATIONS_PATH, BatchError, parse_batch
from pantau_wire.observations import Refusal as Rejection

log = logging.getLogger(__name__)

MAX_BATCH = 4 * 1024 * 1024
"""A batch's largest size, inflated: 5,000 rounds of a few targets."""
_STATUS = {Rejection.BAD_TOKEN: 401, Rejection.UNKNOWN_SATELLITE: 404, Rejection.WRONG_SITE: 409,
           Rejection.TOO_LARGE: 413, Rejection.MALFORMED: 400, Rejection.INVALID: 422,
           Rejection.SLOW: 408}

Record = Callable[[str, Any], None]
"""Evaluate a result of kind ``kind`` as the core's own: recorder, then alerting."""


@dataclass
class SatelliteRecord:
    last_seq: int = -1
    observations: dict[str, int] = field(default_factory=dict)
    """Taken, by kind."""
    skipped: int = 0
    """Observations already taken (a batch sent again)."""
    last_at: float | None = None
    """When its last batch was taken (core clock)."""
    rejection: str | None = None


class SatelliteIngest:
    def __init__(self, config: CollectorConfig, remote: Mapping[tuple[str, str], Scheduled],
                 wires: Mapping[str, WireForm], record: Record,
                 clock: Callable[[], float] = time.time,
                 previous: SatelliteIngest | None = None) -> None:
        """``remote``: the targets satellites check, by (kind, site); ``previous``: the
        ingest of the config before a reload, whose counts and sequence numbers go on."""
        self._tokens = {client.name: client.token for client in config.satellites.clients}
        self._probed_by = {site.name: site.satellite for site in config.sites}
        self._remote = dict(remote)
        self._wires = dict(wires)
        self._record = record
        self._clock = clock
        self.records: dict[str, SatelliteRecord] = {
            name: (previous.records.get(name) if previous else None) or SatelliteRecord()
            for name in self._tokens}
        self.rejected = previous.rejected if previous else dict.fromkeys(Rejection.ALL, 0)
        self._lock = previous._lock if previous else asyncio.Lock()

    def routes(self) -> list[web.RouteDef]:
        return [web.post(OBSERVATIONS_PATH.format(satellite="{satellite}"), self._post)]

    async def _post(self, request: web.Request) -> web.Response:
        name = request.match_info["satellite"]
        try:
            record = self._authenticate(request, name)
            try:
                async with asyncio.timeout(BODY_TIMEOUT):
                    body = await read_bounded(request, MAX_BATCH, gzip=request.headers.get(
                        "Content-Encoding", "identity").strip().lower() == "gzip")
            except TimeoutError:
                raise Rejected(Rejection.SLOW, f"the batch did not arrive within "
                               f"{BODY_TIMEOUT:g} s") from None
            taken = self._take(name, record, body)
        except Rejected as rejection:
            self.rejected[rejection.reason] += 1
            record_of = self.records.get(name)
            if record_of is not None and record_of.rejection != rejection.reason:
                log.warning("satellite %s: batch refused (%s): %s", name, rejection.reason,
                            rejection.message)
                record_of.rejection = rejection.reason
            response = web.json_response({"error": rejection.reason,
                                          "message": rejection.message},
                                         status=_STATUS[rejection.reason])
            response.force_close()
            return response
        return web.json_response({"status": "stored", "seq": record.last_seq,
                                  "taken": taken})

    def _authenticate(self, request: web.Request, name: str) -> SatelliteRecord:
        token = self._tokens.get(name)
        record = self.records.get(name)
        if token is None or record is None:
            raise Rejected(Rejection.UNKNOWN_SATELLITE, f"no satellite {quote(name)} is configured")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), token.reveal().encode()):
            raise Rejected(Rejection.BAD_TOKEN, f"wrong or missing bearer token for {name}")
        return record

    def _take(self, name: str, record: SatelliteRecord, body: bytes) -> int:
        """Check the whole batch, then evaluate it; how many observations were new."""
        try:
            items = parse_batch(body, frozenset(self._wires))
        except BatchError as err:
            raise Rejected(Rejection.MALFORMED, str(err)) from None
        results = []
        for index, item in enumerate(items):
            if item["seq"] <= record.last_seq:
                record.skipped += 1
                continue
            site, kind = item["site"], item["kind"]
            if self._probed_by.get(site) != name:
                raise Rejected(Rejection.WRONG_SITE, f"observations[{index}]: site "
                               f"{quote(site)} is not probed by {name}")
            target = self._remote.get((kind, site))
            if target is None:
                raise Rejected(Rejection.WRONG_SITE, f"observations[{index}]: {kind} of "
                               f"{site} is not configured")
            try:
                results.append((item["seq"], kind, self._wires[kind].decode(item["body"],
                                                                            target.spec)))
            except BatchError as err:
                raise Rejected(Rejection.INVALID, f"observations[{index}].{err}") from None
        for seq, kind, result in results:
            self._record(kind, result)
            record.last_seq = seq
            record.observations[kind] = record.observations.get(kind, 0) + 1
        record.last_at = self._clock()
        if record.rejection is not None:
            log.info("satellite %s: batches taken again", name)
            record.rejection = None
        return len(results)
