"""The probe seam: what every kind of check has in common.

A kind is a module of this package with a ``KIND``: it says what to check on which schedule
(frozen specs, one per scheduled target), builds its probe (which sends and listens, and knows
nothing of Prometheus, state or mail) and its recorder (which folds a frozen result into the
collector's state and says what changed). One generic job runs any of them: probe, record,
hand the outcome to alerting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from collector.config import CollectorConfig
from collector.snmp.state import RebootEvent, SnmpState
from collector.state import StateStore, Transition
from collector.state.services import ServiceResult, ServiceTransition

if TYPE_CHECKING:
    from collector.state.ledger import MonitoringLedger
    from collector.state.services import ServiceState


@dataclass(frozen=True)
class Scheduled:
    """One target checked on a schedule: a site's ping round, a device's SNMP poll."""

    kind: str
    key: str
    """Unique among all: the scheduler's job id, e.g. ``icmp:bappeda``."""
    title: str
    """For the log: ``ping round of bappeda``."""
    interval: float
    spec: Any
    """The frozen target config the kind's probe takes."""
    jitter: float = 0.0
    """Random delay added to each run (the trigger's jitter)."""
    first_within: float = 0.0
    """The first run comes at a random moment within this, so a restarted collector does not
    probe everything in lockstep."""
    satellite: str | None = None
    """The satellite that checks it (its results come as observations); None: this
    collector."""


@dataclass(frozen=True)
class Outcome:
    """What one result changed: state transitions, and devices or hosts seen restarted."""

    transitions: tuple[Transition, ...] = ()
    reboots: tuple[RebootEvent, ...] = ()
    services: tuple[ServiceTransition, ...] = ()
    checks: tuple[ServiceResult, ...] = ()
    """Service checks made (their certificates are watched)."""


class Probe(Protocol):
    def open(self) -> None:
        """Acquire what it sends with (sockets); raise with advice when it cannot."""

    async def probe(self, spec: Any) -> Any:
        """Check one target; the result is frozen data. Never raises for what the target
        answers or fails to answer: that is in the result."""

    def close(self) -> None: ...

    def describe(self) -> str:
        """For the start-up log line: what it sends with."""


class Recorder(Protocol):
    def record(self, result: Any) -> Outcome: ...


@dataclass
class ProbeContext:
    """What the kinds' probes and recorders are built from, by the composition root."""

    config: CollectorConfig
    store: StateStore
    snmp: SnmpState
    clock: Callable[[], float] = time.time
    ledger: MonitoringLedger | None = None
    """Opened when the collector starts (it is a file)."""
    services: ServiceState | None = None
    """The services' states, when any site has services."""


@dataclass(frozen=True)
class WireForm:
    """A kind's results as they cross the network (a satellite's observations,
    ``pantau_wire.observations``): a JSON object, and back, checked against the spec the
    reading side configured for the target (the reader trusts nothing else)."""

    encode: Callable[[Any], dict[str, Any]]
    decode: Callable[[dict[str, Any], Any], Any]
    """``decode(body, spec)``: the result, or BatchError saying what is wrong."""


@dataclass(frozen=True)
class ProbeKind:
    name: str
    schedule: Callable[[CollectorConfig], Sequence[Scheduled]]
    build: Callable[[ProbeContext], tuple[Probe, Recorder]]
    exposition: str | None = None
    """The module (by name: probes never import the metrics library) whose
    ``build_collector(context)`` turns this kind's state into metric families."""
    wire: WireForm | None = None
    """How its results travel from a satellite to the core (None: not yet)."""
