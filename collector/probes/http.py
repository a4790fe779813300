"""HTTP(S) service checks: one request per interval, judged by status, body and certificate.

The one module that imports httpx. Like blackbox_exporter, the host is resolved first (the
`resolve` phase) and the connection goes to the address found, with the URL's host name in the
Host header and the TLS SNI; the phases `connect`, `tls`, `processing` (request sent to the
response's headers) and `transfer` (the body) come from httpcore's trace events. Redirects are
followed here, hop by hop, so every hop is resolved and timed the same way.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography import x509

from collector.config import CollectorConfig
from collector.config.services import HttpService
from collector.probes.base import ProbeContext, ProbeKind, Scheduled
from collector.probes.recording import (
    CheckFailed,
    ServiceCheck,
    ServiceRecorder,
    resolve,
    service_recorder,
    service_schedule,
)
from collector.state.services import FailureKind, ServiceResult

MAX_REDIRECTS = 10
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
    def __init__(self) -> None:
        self._contexts: dict[tuple[bool, str | None], ssl.SSLContext] = {}

    def open(self) -> None:
        """Connections are made per check."""

    def close(self) -> None:
        """Nothing is kept between checks."""

    def describe(self) -> str:
        return "HTTP"

    def _tls(self, service: HttpService) -> ssl.SSLContext:
        key = (service.tls_verify, None if service.ca_file is None else str(service.ca_file))
        context = self._contexts.get(key)
        if context is None:
            context = ssl.create_default_context(
                cafile=None if service.ca_file is None else str(service.ca_file))
            if not service.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._contexts[key] = context
        return context

    async def probe(self, spec: HttpCheck) -> ServiceResult:
        service = spec.service
        timing = _Timing()
        began, at = time.monotonic(), time.time()
        status: int | None = None
        expiry: float | None = None
        try:
            async with asyncio.timeout(service.timeout):
                status, expiry = await self._check(service, timing)
        except TimeoutError:
            return self._result(spec, at, began, timing, FailureKind.TIMEOUT,
                                f"no answer within {service.timeout:g} s", status, expiry)
        except CheckFailed as failed:
            return self._result(spec, at, began, timing, failed.kind, str(failed),
                                failed.status, expiry)
        return self._result(spec, at, began, timing, None, "", status, expiry)

    def _result(self, spec: HttpCheck, at: float, began: float, timing: _Timing,
                kind: FailureKind | None, detail: str, status: int | None,
                expiry: float | None) -> ServiceResult:
        return ServiceResult(site=spec.site, service=spec.service.name, kind="http", at=at,
                             duration=time.monotonic() - began, failure=kind and kind.value,
                             detail=detail[:200], status_code=status,
                             phases=dict(timing.phases), cert_expiry=expiry)

    async def _check(self, service: HttpService,
                     timing: _Timing) -> tuple[int | None, float | None]:
        url, method = service.url, service.method.value
        expiry: float | None = None
        async with httpx.AsyncClient(verify=self._tls(service), follow_redirects=False,
                                     timeout=None, trust_env=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                parts = urlsplit(url)
                host = parts.hostname or ""
                address = await resolve(
                    host, parts.port or (443 if parts.scheme == "https" else 80), timing.phases)
                target = parts._replace(netloc=_netloc(address, parts.port)).geturl()
                extensions: dict[str, Any] = {"trace": timing.trace}
                if parts.scheme == "https":
                    extensions["sni_hostname"] = host
                request = client.build_request(method, target, headers={"Host": parts.netloc},
                                               extensions=extensions)
                try:
                    response = await client.send(request, stream=True)
                except httpx.ConnectError as err:
                    raise CheckFailed(_connect_kind(err), _reason(err)) from None
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as err:
                    raise CheckFailed(FailureKind.OTHER, _reason(err)) from None
                try:
                    expiry = _expiry(response) or expiry
                    if service.follow_redirects and response.is_redirect and \
                            "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    body = await _read(response, service.body_limit, response.status_code)
                finally:
                    await response.aclose()
                _judge(service, response.status_code, body)
                return response.status_code, expiry
        raise CheckFailed(FailureKind.OTHER, f"more than {MAX_REDIRECTS} redirects")



def _netloc(address: str, port: int | None) -> str:
    shown = f"[{address}]" if ":" in address else address
    return f"{shown}:{port}" if port else shown


async def _read(response: httpx.Response, limit: int, status: int) -> bytes:
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise CheckFailed(FailureKind.BODY,
                          f"body of {length} bytes is over the {limit}-byte limit", status)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size > limit:
                raise CheckFailed(FailureKind.BODY, f"body over the {limit}-byte limit", status)
            chunks.append(chunk)
    except httpx.HTTPError as err:
        raise CheckFailed(FailureKind.OTHER, _reason(err), status) from None
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


def _expiry(response: httpx.Response) -> float | None:
    stream = response.extensions.get("network_stream")
    tls = stream.get_extra_info("ssl_object") if stream is not None else None
    der = tls.getpeercert(binary_form=True) if tls is not None else None
    if not der:
        return None
    return x509.load_der_x509_certificate(der).not_valid_after_utc.astimezone(UTC).timestamp()


def _connect_kind(err: httpx.ConnectError) -> FailureKind:
    cause = err.__context__ or err.__cause__
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__context__ or cause.__cause__
    return FailureKind.TLS if cause is not None or "SSL" in str(err) else FailureKind.CONNECT


def _reason(err: BaseException) -> str:
    return str(err) or type(err).__name__


def build(context: ProbeContext) -> tuple[HttpProbe, ServiceRecorder]:
    return HttpProbe(), service_recorder(context)


KIND = ProbeKind("http", schedule, build, exposition="collector.exposition.services")
