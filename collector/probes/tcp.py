"""TCP service checks (SMTP, SSH, a database port): connect, optionally TLS, optionally read a
banner that must match `expect` and send a line; judged like HTTP services, with the same
states, mails and metrics. Standard library only."""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time

from cryptography import x509

from collector.config import CollectorConfig
from collector.config.services import TcpService
from collector.probes.base import ProbeContext, ProbeKind, Scheduled
from collector.probes.recording import (
    CheckFailed,
    PerCheckProbe,
    ServiceCheck,
    ServiceRecorder,
    resolve,
    run_check,
    service_recorder,
    service_schedule,
)
from collector.state.services import FailureKind, ServiceResult

BANNER_LIMIT = 4096


TcpCheck = ServiceCheck[TcpService]


def schedule(config: CollectorConfig) -> list[Scheduled]:
    return service_schedule(config, "tcp", TcpService)


class TcpProbe(PerCheckProbe):
    def describe(self) -> str:
        return "TCP"

    async def probe(self, spec: TcpCheck) -> ServiceResult:
        service = spec.service
        phases = {"resolve": 0.0, "connect": 0.0, "tls": 0.0}
        began, at = time.monotonic(), time.time()
        expiry: list[float] = []
        failure, detail = await run_check(service.timeout,
                                          self._check(service, phases, expiry))
        return ServiceResult(site=spec.site, service=service.name, kind="tcp", at=at,
                             duration=time.monotonic() - began, failure=failure,
                             detail=detail[:200], phases=phases,
                             cert_expiry=expiry[0] if expiry else None)

    async def _check(self, service: TcpService, phases: dict[str, float],
                     expiry: list[float]) -> None:
        address = await resolve(service.host, service.port, phases)
        started = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(address, service.port)
        except OSError as err:
            raise CheckFailed(FailureKind.CONNECT,
                              f"{address}:{service.port}: {err.strerror or err}") from None
        finally:
            phases["connect"] = time.monotonic() - started
        try:
            if service.tls:
                started = time.monotonic()
                try:
                    await writer.start_tls(_context(service), server_hostname=service.host)
                except (ssl.SSLError, OSError) as err:
                    raise CheckFailed(FailureKind.TLS, str(err)) from None
                finally:
                    phases["tls"] = time.monotonic() - started
                tls = writer.get_extra_info("ssl_object")
                der = tls.getpeercert(binary_form=True) if tls is not None else None
                if der:
                    expiry.append(x509.load_der_x509_certificate(der)
                                  .not_valid_after_utc.timestamp())
            if service.expect is not None:
                await _expect(reader, service.expect)
            if service.send is not None:
                writer.write(service.send.encode())
                await writer.drain()
        finally:
            writer.close()
            # The check is judged already; a rude close says nothing more.
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()


async def _expect(reader: asyncio.StreamReader, pattern: str) -> None:
    """The first answer, up to its first line end (or the limit, or the server's close),
    must match: a server waiting for us after a wrong banner is not waited for."""
    seen = b""
    while len(seen) < BANNER_LIMIT and b"\n" not in seen:
        chunk = await reader.read(BANNER_LIMIT - len(seen))
        if not chunk:
            break
        seen += chunk
    if re.search(pattern, seen.decode("utf-8", errors="replace")):
        return
    shown = seen[:60].decode("utf-8", errors="replace")
    raise CheckFailed(FailureKind.BODY, f"answer {shown!r} does not match {pattern!r}")


def _context(service: TcpService) -> ssl.SSLContext:
    context = ssl.create_default_context(
        cafile=None if service.ca_file is None else str(service.ca_file))
    if not service.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def build(context: ProbeContext) -> tuple[TcpProbe, ServiceRecorder]:
    return TcpProbe(), service_recorder(context)


KIND = ProbeKind("tcp", schedule, build, exposition="collector.exposition.services")
