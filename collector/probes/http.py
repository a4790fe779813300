"""HTTP(S) service checks: one request per interval, judged by status, body and certificate.

The one module that imports httpcore (the HTTP/1.1 machinery under httpx), run over asyncio's
own streams rather than its anyio backend, which costs more per check. Like
blackbox_exporter, the host is resolved first (the `resolve` phase) and the connection goes to
the address found, with the URL's host name in the Host header and the TLS SNI; the phases
`connect`, `tls`, `processing` (request sent to the response's headers) and `transfer` (the
body) come from httpcore's trace events. Redirects are followed here, hop by hop, so every hop
is resolved and timed the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
from cryptography import x509

from collector import __version__
from collector.config import CollectorConfig
from collector.config.services import HttpService
from collector.probes.base import ProbeContext, ProbeKind, Scheduled
from collector.probes.recording import (
    CheckFailed,
    ServiceCheck,
    ServiceRecorder,
    resolve,
    run_check,
    service_recorder,
    service_schedule,
)
from collector.state.services import FailureKind, ServiceResult

MAX_REDIRECTS = 10
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = f"Pantau/{__version__}".encode()
# Certificates whose expiry has been read, by their DER bytes: parsed once, not every check.
EXPIRY_CACHE = 4096
PHASES = ("resolve", "connect", "tls", "processing", "transfer")


HttpCheck = ServiceCheck[HttpService]


@dataclass
class _Timing:
    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    started: dict[str, float] = field(default_factory=dict)

    async def trace(self, name: str, info: Mapping[str, Any]) -> None:
        step = name.split(".", 1)[1] if "." in name else name
        phase = {"connect_tcp": "connect", "start_tls": "tls",
                 "receive_response_body": "transfer"}.get(step.rsplit(".", 1)[0])
        now = time.monotonic()
        if step == "send_request_headers.started":
            self.started["processing"] = now
        elif step == "receive_response_headers.complete" and "processing" in self.started:
            self.phases["processing"] += now - self.started.pop("processing")
        elif phase is not None and step.endswith(".started"):
            self.started[phase] = now
        elif phase is not None and step.endswith(".complete") and phase in self.started:
            self.phases[phase] += now - self.started.pop(phase)


def schedule(config: CollectorConfig) -> list[Scheduled]:
    return service_schedule(config, "http", HttpService)


class HttpProbe:
    """One connection pool per kind of TLS verification (the services' `tls_verify` and
    `ca_file`), made at its first check and kept: it keeps no connection alive, so every
    check connects, and is timed, afresh, as blackbox_exporter's are."""

    def __init__(self) -> None:
        self._pools: dict[tuple[bool, str | None], httpcore.AsyncConnectionPool] = {}
        self._expiries: dict[bytes, float] = {}

    def open(self) -> None:
        """Pools are made at the first check that needs them."""

    def close(self) -> None:
        """The pools hold no connection between checks: nothing to close."""
        self._pools.clear()

    def describe(self) -> str:
        return "HTTP"

    def _pool(self, service: HttpService) -> httpcore.AsyncConnectionPool:
        key = (service.tls_verify, None if service.ca_file is None else str(service.ca_file))
        pool = self._pools.get(key)
        if pool is None:
            context = ssl.create_default_context(cafile=key[1])
            if not service.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            pool = httpcore.AsyncConnectionPool(
                ssl_context=context, max_connections=None, max_keepalive_connections=0,
                network_backend=AsyncioBackend())
            self._pools[key] = pool
        return pool

    async def probe(self, spec: HttpCheck) -> ServiceResult:
        service = spec.service
        timing = _Timing()
        began, at = time.monotonic(), time.time()
        answer: list[int | float | None] = [None, None]  # status, certificate expiry
        failure, detail = await run_check(service.timeout, self._check(service, timing, answer))
        status, expiry = answer
        return ServiceResult(site=spec.site, service=service.name, kind="http", at=at,
                             duration=time.monotonic() - began, failure=failure,
                             detail=detail[:200], status_code=None if status is None
                             else int(status), phases=dict(timing.phases), cert_expiry=expiry)

    async def _check(self, service: HttpService, timing: _Timing,
                     answer: list[int | float | None]) -> None:
        """The check; what came (the status, the certificate's expiry) into ``answer`` as it
        comes, so a failure after it still tells it."""
        url, method = service.url, service.method.value
        pool = self._pool(service)
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            host = parts.hostname or ""
            address = await resolve(
                host, parts.port or (443 if parts.scheme == "https" else 80), timing.phases)
            target = parts._replace(netloc=_netloc(address, parts.port)).geturl()
            extensions: dict[str, Any] = {"trace": timing.trace}
            if parts.scheme == "https":
                extensions["sni_hostname"] = host
            headers = [(b"Host", parts.netloc.rpartition("@")[2].encode("idna")),
                       (b"User-Agent", USER_AGENT), (b"Accept", b"*/*")]
            if method == "POST":
                headers.append((b"Content-Length", b"0"))
            try:
                async with pool.stream(method, target, headers=headers,
                                       extensions=extensions) as response:
                    answer[0] = status = response.status
                    answer[1] = self._expiry(response) or answer[1]
                    location = _header(response, b"location")
                    if service.follow_redirects and status in REDIRECTS and location:
                        url = urljoin(url, location)
                        continue
                    body = await _read(response, service.body_limit, status)
            except httpcore.ConnectError as err:
                raise CheckFailed(_connect_kind(err), _reason(err)) from None
            except httpcore.NetworkError as err:
                raise CheckFailed(FailureKind.OTHER, _reason(err), _status(answer)) from None
            except httpcore.ProtocolError as err:
                raise CheckFailed(FailureKind.OTHER, f"not HTTP: {_reason(err)}",
                                  _status(answer)) from None
            _judge(service, status, body)
            return
        raise CheckFailed(FailureKind.OTHER, f"more than {MAX_REDIRECTS} redirects")

    def _expiry(self, response: httpcore.Response) -> float | None:
        stream = response.extensions.get("network_stream")
        tls = stream.get_extra_info("ssl_object") if stream is not None else None
        der = tls.getpeercert(binary_form=True) if tls is not None else None
        if not der:
            return None
        expiry = self._expiries.get(der)
        if expiry is None:
            if len(self._expiries) >= EXPIRY_CACHE:
                self._expiries.clear()
            expiry = x509.load_der_x509_certificate(der).not_valid_after_utc.astimezone(
                UTC).timestamp()
            self._expiries[der] = expiry
        return expiry


class _Stream(httpcore.AsyncNetworkStream):
    """A connection for httpcore over asyncio's own streams (and its TLS), in place of the
    anyio layer httpcore uses by default: the same events, less work per check. Its errors
    are httpcore's, as its own backends raise them; timeouts are the check's own."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return await self._reader.read(max_bytes)
        except (OSError, ssl.SSLError) as err:
            raise httpcore.ReadError(_reason(err)) from err

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            await self._writer.drain()
        except (OSError, ssl.SSLError) as err:
            raise httpcore.WriteError(_reason(err)) from err

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await self._writer.wait_closed()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except (OSError, ssl.SSLError) as err:
            self._writer.close()
            raise httpcore.ConnectError(_reason(err)) from err
        return self

    def get_extra_info(self, info: str) -> Any:
        if info in ("ssl_object", "socket"):
            return self._writer.get_extra_info(info)
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "is_readable":
            return self._reader.at_eof()
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        try:
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=None if local_address is None else (local_address, 0))
        except OSError as err:
            raise httpcore.ConnectError(f"{host}:{port}: {err.strerror or err}") from err
        return _Stream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("services are checked over TCP")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _netloc(address: str, port: int | None) -> str:
    shown = f"[{address}]" if ":" in address else address
    return f"{shown}:{port}" if port else shown


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _status(answer: list[int | float | None]) -> int | None:
    return None if answer[0] is None else int(answer[0])


async def _read(response: httpcore.Response, limit: int, status: int) -> bytes:
    length = _header(response, b"content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        raise CheckFailed(FailureKind.BODY,
                          f"body of {length.strip()} bytes is over the {limit}-byte limit",
                          status)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_stream():
        size += len(chunk)
        if size > limit:
            raise CheckFailed(FailureKind.BODY, f"body over the {limit}-byte limit", status)
        chunks.append(chunk)
    return b"".join(chunks)


def _judge(service: HttpService, status: int, body: bytes) -> None:
    expected = status in service.expect_status if service.expect_status else 200 <= status < 300
    if not expected:
        raise CheckFailed(FailureKind.STATUS, f"HTTP {status}", status)
    text = body.decode("utf-8", errors="replace")
    if service.body_match is not None and not re.search(service.body_match, text):
        raise CheckFailed(FailureKind.BODY, f"body does not match {service.body_match!r}", status)
    if service.body_not_match is not None and re.search(service.body_not_match, text):
        raise CheckFailed(FailureKind.BODY, f"body matches {service.body_not_match!r}", status)


def _connect_kind(err: httpcore.ConnectError) -> FailureKind:
    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    return FailureKind.TLS if cause is not None else FailureKind.CONNECT


def _reason(err: BaseException) -> str:
    return str(err) or type(err).__name__


def build(context: ProbeContext) -> tuple[HttpProbe, ServiceRecorder]:
    return HttpProbe(), service_recorder(context)


KIND = ProbeKind("http", schedule, build, exposition="collector.exposition.services")
