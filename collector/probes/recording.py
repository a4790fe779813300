"""What the service kinds (http, tcp) share: their schedule, one state for all services, one
recorder."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, MutableMapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from collector.config import CollectorConfig
from collector.probes.base import Outcome, ProbeContext, Scheduled
from collector.state.services import FailureKind, ServiceResult, ServiceState

S = TypeVar("S")


class CheckFailed(Exception):
    """A service check failed for ``kind``; ``status`` when an HTTP answer came."""

    def __init__(self, kind: FailureKind, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.status = status


async def run_check(timeout: float, check: Awaitable[None]) -> tuple[FailureKind | None, str]:
    """Why ``check`` failed within ``timeout`` and how (None, "" if it did not)."""
    try:
        async with asyncio.timeout(timeout):
            await check
    except TimeoutError:
        return FailureKind.TIMEOUT, f"no answer within {timeout:g} s"
    except CheckFailed as failed:
        return failed.kind, str(failed)
    return None, ""


class PerCheckProbe:
    """A probe that opens what it needs for each check and keeps nothing between them."""

    def open(self) -> None:
        """Connections and sockets are made per check."""

    def close(self) -> None:
        """Nothing is kept between checks."""


async def resolve(host: str, port: int, phases: MutableMapping[str, float]) -> str:
    """The first address of ``host``, the time it took added to the `resolve` phase; an
    address is itself, at once."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    started = time.monotonic()
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise CheckFailed(FailureKind.DNS, f"cannot resolve {host}: {err.strerror}") from None
    finally:
        phases["resolve"] = phases.get("resolve", 0.0) + time.monotonic() - started
    return str(infos[0][4][0])


# Spreading the first checks over this keeps a restarted collector from calling every
# agency's application at the same instant.
FIRST_CHECK_SPREAD = 10.0


@dataclass(frozen=True)
class ServiceCheck(Generic[S]):
    """What one check of one service is given: its site and its frozen config."""

    site: str
    service: S


def service_schedule(config: CollectorConfig, kind: str, model: type) -> list[Scheduled]:
    """Every service of type ``model`` of every site, on its own interval."""
    return [Scheduled(
        kind=kind, key=f"{kind}:{site.name}/{service.name}",
        title=f"{kind.upper()} check of {site.name}/{service.name}", interval=service.interval,
        first_within=min(service.interval, FIRST_CHECK_SPREAD),
        spec=ServiceCheck(site.name, service))
        for site in config.sites for service in site.services if isinstance(service, model)]


class ServiceRecorder:
    """A check's result into the services' state; its change of state into the outcome."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state

    def record(self, result: ServiceResult) -> Outcome:
        change = self._state.record(result)
        return Outcome(services=(change,) if change is not None else (), checks=(result,))


def service_recorder(context: ProbeContext) -> ServiceRecorder:
    """The recorder over the context's services' state, made by the first kind that asks."""
    if context.services is None:
        context.services = ServiceState(context.config, context.store, context.clock)
    return ServiceRecorder(context.services)
