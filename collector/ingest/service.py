"""The push endpoint: agents post reports, the collector checks, logs and shows them.

``POST /api/v1/agents/<name>/push`` stores a report, ``.../check`` only judges it. In order:
the agent must be configured (404), its bearer token must match (401), the site it names, if
any, must be its configured one (409); then the body must arrive in time (408), fit (413),
decode (400) and hold only what the protocol allows (422). docs/agent.md describes the exchange.

A refused request costs no more than its headers: the answer closes the connection, so an
unread body (a compression bomb behind a wrong token) is neither drained nor inflated. The body
is inflated here, not by the server, with a cap on what comes in and on what it inflates to.
"""

from __future__ import annotations

import asyncio
import math
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from collector.config import CollectorConfig
from collector.ingest.registry import AgentRecord, AgentRegistry
from collector.ingest.reportlog import ReportLog
from collector.ingest.validation import Rejected, Report, parse_report, quote
from pantau_wire.agent_report import CHECK_PATH, PUSH_PATH, SENT_AT_HEADER, SITE_HEADER, Rejection

REPORT_LOG_FILE = "reports.sqlite3"
_STATUS = {
    Rejection.BAD_TOKEN: 401,
    Rejection.UNKNOWN_AGENT: 404,
    Rejection.WRONG_SITE: 409,
    Rejection.TOO_LARGE: 413,
    Rejection.MALFORMED: 400,
    Rejection.INVALID: 422,
    Rejection.SLOW: 408,
}
BODY_TIMEOUT = 30.0
"""A push's body must have arrived within this long of its headers: a report is some 10 KiB,
which the slowest link the agents use sends in a few seconds."""


class AgentIngest:
    """The push routes, the agent registry they feed and the report log they write."""

    def __init__(self, config: CollectorConfig, clock: Callable[[], float] = time.time,
                 body_timeout: float = BODY_TIMEOUT,
                 previous: AgentIngest | None = None) -> None:
        """``previous``: the ingest of the config before a reload, whose report log, agents'
        records and counts this one takes over."""
        self.settings = config.agents
        self._clock = clock
        self._body_timeout = body_timeout
        self.registry = AgentRegistry(config.agents, clock)
        if previous is not None:
            self.registry.adopt(previous.registry)
            self.report_log = previous.report_log
            self.report_log.retention = config.agents.retention
            self._executor = previous._executor
            self._locks = {name: previous._locks.get(name) or asyncio.Lock()
                           for name in self.registry.records}
            return
        self.report_log = ReportLog(config.collector.data_dir / REPORT_LOG_FILE,
                                    config.agents.retention, clock)
        # SQLite calls leave the event loop for this one thread, which keeps their order.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="report-log")
        self._locks = {name: asyncio.Lock() for name in self.registry.records}

    async def start(self) -> None:
        await self._in_thread(self.report_log.open)
        self.registry.restore(await self._in_thread(self.report_log.highest_seqs))

    async def stop(self) -> None:
        await self._in_thread(self.report_log.close)
        self._executor.shutdown(wait=True)

    def routes(self) -> list[web.RouteDef]:
        return [web.post(PUSH_PATH.format(agent="{agent}"), self._push),
                web.post(CHECK_PATH.format(agent="{agent}"), self._check)]

    async def _push(self, request: web.Request) -> web.Response:
        return await self._handle(request, store=True)

    async def _check(self, request: web.Request) -> web.Response:
        return await self._handle(request, store=False)

    async def _handle(self, request: web.Request, store: bool) -> web.Response:
        name = request.match_info["agent"]
        try:
            record = self._authenticate(request, name)
            report, sent_at = await self._read(request, record)
        except Rejected as rejection:
            self.registry.reject(rejection.reason, name, rejection.message)
            headers = ({"WWW-Authenticate": 'Bearer realm="pantau"'}
                       if rejection.reason == Rejection.BAD_TOKEN else None)
            response = web.json_response({"error": rejection.reason,
                                          "message": rejection.message},
                                         status=_STATUS[rejection.reason], headers=headers)
            # Whatever of the body is still unread stays so: no draining, no inflating.
            response.force_close()
            return response
        if not store:
            return web.json_response({"status": "checked", "seq": report.seq})
        async with self._locks[record.name]:
            behind = report.seq <= record.highest_seq
            current = self.registry.would_be_current(record, report, sent_at)
            stored = await self._in_thread(self.report_log.record, record.name, report.seq,
                                           report.timestamp, report.boot_time, current)
            self.registry.accept(record, report, stored, current)
            highest = record.highest_seq
        answer: dict[str, object] = {"status": "stored" if stored else "duplicate",
                                     "seq": report.seq}
        if behind:
            # Numbered below what is stored (an agent that lost its state, with its clock set
            # back): it would stay hidden. The agent numbers on from here.
            answer["next_seq"] = highest + 1
        return web.json_response(answer)

    def _authenticate(self, request: web.Request, name: str) -> AgentRecord:
        record = self.registry.get(name)
        if record is None:
            raise Rejected(Rejection.UNKNOWN_AGENT, f"no agent {quote(name)} is configured")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not record.client.accepts(token.strip(),
                                                                   self._clock()):
            raise Rejected(Rejection.BAD_TOKEN, f"wrong or missing bearer token for {name}")
        site = request.headers.get(SITE_HEADER)
        # Without the header the configured site holds; with it, both must agree.
        if site is not None and site != record.site:
            raise Rejected(Rejection.WRONG_SITE, f"{name} belongs to site {record.site}, "
                           f"the agent says {quote(site)}")
        return record

    async def _read(self, request: web.Request, record: AgentRecord) -> tuple[Report, float]:
        try:
            sent_at = float(request.headers.get(SENT_AT_HEADER, ""))
        except ValueError:
            sent_at = math.nan
        if not math.isfinite(sent_at):
            raise Rejected(Rejection.MALFORMED, f"the {SENT_AT_HEADER} header must be a Unix "
                           "time")
        # Read here, not through aiohttp's parser of the header, which some values crash.
        content_type = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            raise Rejected(Rejection.MALFORMED, f"Content-Type must be application/json, got "
                           f"{quote(content_type)}")
        encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("gzip", "identity"):
            raise Rejected(Rejection.MALFORMED, f"Content-Encoding must be gzip or identity, "
                           f"got {quote(encoding)}")
        # The bound applies to the report itself, however well it was compressed, and to
        # what arrives.
        try:
            async with asyncio.timeout(self._body_timeout):
                body = await read_bounded(request, self.settings.max_body,
                                           gzip=encoding == "gzip")
        except TimeoutError:
            raise Rejected(Rejection.SLOW, f"the body did not arrive within "
                           f"{self._body_timeout:g} s") from None
        return parse_report(body, self.settings.max_samples), sent_at

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)


async def read_bounded(request: web.Request, limit: int, gzip: bool) -> bytes:
    """The body, inflated when ``gzip``; no more than ``limit`` bytes read, none inflated past
    ``limit``."""
    if request.content_length is not None and request.content_length > limit:
        raise Rejected(Rejection.TOO_LARGE, f"the body exceeds {limit} bytes")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS) if gzip else None
    out = bytearray()
    received = 0
    try:
        async for chunk in request.content.iter_chunked(65536):
            received += len(chunk)
            if received > limit:
                raise Rejected(Rejection.TOO_LARGE, f"the body exceeds {limit} bytes")
            if inflater is None:
                out += chunk
                continue
            out += inflater.decompress(chunk, limit + 1 - len(out))
            if len(out) > limit or inflater.unconsumed_tail:
                raise Rejected(Rejection.TOO_LARGE, f"the report inflates past {limit} bytes")
    except zlib.error as err:
        raise Rejected(Rejection.MALFORMED, f"the body is not gzip: {err}") from None
    except (ConnectionError, asyncio.IncompleteReadError, HttpProcessingError) as err:
        raise Rejected(Rejection.MALFORMED, f"the body was cut short or badly framed: "
                       f"{quote(str(err))}") from None
    if inflater is not None:
        if not inflater.eof:
            raise Rejected(Rejection.MALFORMED, "the body is not gzip: it ends before the "
                           "gzip stream does")
        if inflater.unused_data:
            raise Rejected(Rejection.MALFORMED, "the body is not gzip: bytes after its end")
    return bytes(out)
