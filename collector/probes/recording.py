"""What the service kinds (http, tcp) share: one state for all services, one recorder."""

from __future__ import annotations

from collector.probes.base import Outcome, ProbeContext
from collector.state.services import ServiceResult, ServiceState


class ServiceRecorder:
    """A check's result into the services' state; its change of state into the outcome."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state

    def record(self, result: ServiceResult) -> Outcome:
        change = self._state.record(result)
        return Outcome(services=(change,) if change is not None else ())


def service_recorder(context: ProbeContext) -> ServiceRecorder:
    """The recorder over the context's services' state, made by the first kind that asks."""
    if context.services is None:
        context.services = ServiceState(context.config, context.store, context.clock)
    return ServiceRecorder(context.services)
