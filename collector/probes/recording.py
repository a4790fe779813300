"""What the service kinds (http, tcp) share: their schedule, one state for all services, one
recorder."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, MutableMapping
from typing import Any

from collector.config import CollectorConfig
from collector.probes.base import Outcome, ProbeContext, Scheduled
from collector.state.services import FailureKind, ServiceResult, ServiceState


class CheckFailed(Exception):
    """A service check failed for ``kind``; ``status`` when an HTTP answer came."""

    def __init__(self, kind: FailureKind, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.status = status


async def resolve(host: str, port: int, phases: MutableMapping[str, float]) -> str:
    """The first address of ``host``, the time it took added to the `resolve` phase."""
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


def service_schedule(config: CollectorConfig, kind: str, model: type,
                     spec: Callable[[str, Any], Any]) -> list[Scheduled]:
    """Every service of type ``model`` of every site, on its own interval."""
    return [Scheduled(
        kind=kind, key=f"{kind}:{site.name}/{service.name}",
        title=f"{kind.upper()} check of {site.name}/{service.name}", interval=service.interval,
        first_within=min(service.interval, FIRST_CHECK_SPREAD), spec=spec(site.name, service))
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
