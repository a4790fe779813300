"""ICMP echo rounds: every `interval` (with jitter), a site's round pings all its links'
targets through the shared-socket pinger; the store judges the links from it."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from collector.config import CollectorConfig
from collector.icmp import Pinger, PingResult
from collector.probes.base import Outcome, ProbeContext, ProbeKind, Scheduled
from collector.state import LinkState, StateStore
from collector.state.ledger import GAP_FACTOR

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
                       GAP_FACTOR * site.interval + icmp.jitter))
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


KIND = ProbeKind("icmp", schedule, build, exposition="collector.exposition.links")
