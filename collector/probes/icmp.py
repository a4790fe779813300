"""ICMP echo rounds: every `interval` (with jitter), a site's round pings all its links'
targets through the shared-socket pinger; the store judges the links from it."""

from __future__ import annotations

import logging
import math
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from collector.config import CollectorConfig
from collector.icmp import Pinger, PingError, PingResult
from collector.probes.base import Outcome, ProbeContext, ProbeKind, Scheduled, WireForm
from collector.state import LinkState, StateStore
from collector.state.ledger import GAP_FACTOR
from pantau_wire.observations import BatchError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IcmpRound:
    """One site's round: its targets (each once), and how to ping them."""

    site: str
    targets: tuple[str, ...]
    echoes: int
    echo_interval: float
    timeout: float
    max_gap: float
    """Rounds further apart than this leave the time between them unmonitored."""


@dataclass(frozen=True)
class RoundResult:
    site: str
    results: Mapping[str, PingResult]
    duration: float
    max_gap: float
    """The spec's: how late the next round may come for the time between to be monitored."""


def schedule(config: CollectorConfig) -> list[Scheduled]:
    icmp = config.icmp
    return [Scheduled(
        kind="icmp", key=f"icmp:{site.name}", title=f"ping round of {site.name}",
        interval=site.interval, jitter=icmp.jitter, first_within=icmp.jitter,
        spec=IcmpRound(site.name,
                       tuple(dict.fromkeys(str(t) for link in site.links for t in link.targets)),
                       icmp.echoes, icmp.echo_interval, icmp.timeout,
                       GAP_FACTOR * site.interval + icmp.jitter),
        satellite=site.satellite)
        for site in config.sites]


class IcmpProbe:
    def __init__(self, config: CollectorConfig, pinger: Pinger | None = None) -> None:
        self._config = config
        self.pinger = pinger or Pinger(socket_mode=config.icmp.socket.value,
                                       receive_buffer=config.icmp.receive_buffer,
                                       payload_size=config.icmp.payload_size)

    def open(self) -> None:
        families = {socket.AF_INET6 if t.version == 6 else socket.AF_INET
                    for site in self._config.sites for link in site.links for t in link.targets}
        self.pinger.open(sorted(families))

    async def probe(self, spec: IcmpRound) -> RoundResult:
        started = time.monotonic()
        results = await self.pinger.ping(list(spec.targets), spec.echoes, spec.echo_interval,
                                         spec.timeout)
        return RoundResult(spec.site, {r.target: r for r in results},
                           time.monotonic() - started, spec.max_gap)

    def close(self) -> None:
        self.pinger.close()

    def describe(self) -> str:
        return f"ICMP socket: {self.pinger.socket_kind}"


class IcmpRecorder:
    """Rounds into the state store; the site's judged time into the monitoring ledger."""

    def __init__(self, context: ProbeContext) -> None:
        self._context = context
        self._store: StateStore = context.store
        self._clock: Callable[[], float] = context.clock

    def record(self, result: RoundResult) -> Outcome:
        rounds = result.results.values()
        log.debug("round of %s: %d targets, %d of %d replies, %.3f s", result.site, len(rounds),
                  sum(r.received for r in rounds), sum(r.sent for r in rounds), result.duration)
        transitions = self._store.record_round(result.site, result.results, result.duration)
        ledger = self._context.ledger
        if ledger is not None:
            if self._store.sites[result.site].state in (LinkState.UNKNOWN, LinkState.ERROR):
                ledger.not_judged(result.site)
            else:
                ledger.judged(result.site, self._clock(), result.max_gap)
        return Outcome(tuple(transitions))


def build(context: ProbeContext) -> tuple[IcmpProbe, IcmpRecorder]:
    return IcmpProbe(context.config), IcmpRecorder(context)


MAX_ECHOES = 100
"""The most echoes per target a round may have (icmp.echoes' bound)."""
MAX_ROUND = 3600.0
_BODY = frozenset({"duration", "results"})
_PING = frozenset({"target", "sent", "received", "rtts", "error"})
_ERRORS = {error.value: error for error in PingError}


def to_wire(result: RoundResult) -> dict[str, Any]:
    return {"duration": result.duration, "results": [
        {"target": ping.target, "sent": ping.sent, "received": ping.received,
         "rtts": list(ping.rtts), "error": None if ping.error is None else ping.error.value}
        for ping in result.results.values()]}


def from_wire(body: dict[str, Any], spec: IcmpRound) -> RoundResult:
    """A round a satellite made of ``spec``'s site: each result for one of the targets the
    core configured for it, at most once; no more replies than echoes sent, no more echoes
    than a round may have, one round-trip time per reply, each within a minute."""
    if set(body) != _BODY:
        raise BatchError(f"body: expected keys {sorted(_BODY)}")
    duration = body["duration"]
    if not _number(duration) or not 0 <= duration <= MAX_ROUND:
        raise BatchError(f"body.duration: expected seconds from 0 to {MAX_ROUND:g}")
    pings = body["results"]
    if not isinstance(pings, list) or len(pings) > len(spec.targets):
        raise BatchError(f"body.results: expected a list of at most {len(spec.targets)}")
    results: dict[str, PingResult] = {}
    for index, ping in enumerate(pings):
        where = f"body.results[{index}]"
        if not isinstance(ping, dict) or set(ping) != _PING:
            raise BatchError(f"{where}: expected keys {sorted(_PING)}")
        target = ping["target"]
        if target not in spec.targets or target in results:
            raise BatchError(f"{where}.target: not one of {spec.site}'s targets, or twice")
        sent, received, rtts = ping["sent"], ping["received"], ping["rtts"]
        if not _count(sent) or sent > MAX_ECHOES:
            raise BatchError(f"{where}.sent: expected 0 to {MAX_ECHOES}")
        if not _count(received) or received > sent:
            raise BatchError(f"{where}.received: expected 0 to sent")
        if not isinstance(rtts, list) or len(rtts) != received or not all(
                _number(rtt) and 0 <= rtt <= 60 for rtt in rtts):
            raise BatchError(f"{where}.rtts: expected one time from 0 to 60 s per reply")
        error = ping["error"]
        if error is not None and error not in _ERRORS:
            raise BatchError(f"{where}.error: expected null or one of {sorted(_ERRORS)}")
        results[target] = PingResult(target, sent, received, tuple(float(r) for r in rtts),
                                     None if error is None else _ERRORS[error])
    return RoundResult(spec.site, results, float(duration), spec.max_gap)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


KIND = ProbeKind("icmp", schedule, build, exposition="collector.exposition.links",
                 wire=WireForm(to_wire, from_wire))
