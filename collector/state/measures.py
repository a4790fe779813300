"""Running totals per target and the figures derived from one round."""

from __future__ import annotations

import bisect
import itertools
import statistics
from dataclasses import dataclass, field

from collector.icmp import PingError, PingResult

RTT_BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.5,
)
"""The RTT histogram's bounds by default (`icmp.rtt_buckets: compact`): 1-2.5-5 steps per
decade from 0.5 ms to 100 ms, where LAN, fibre and wireless hops live, which is what the
dashboards' smokeping-like quantile bands need; 150 ms, the default `state.degraded_rtt`, so
that the share of replies slower than it is exact, not interpolated; and 500 ms for congested
or satellite-like hops. Slower replies count in +Inf (an echo waits at most `icmp.timeout`).
The exact median and jitter of each round are gauges of their own. Ten bounds make 13 series
per target (with +Inf, _count and _sum) where the full set makes 23."""

RTT_BUCKETS_FULL: tuple[float, ...] = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05,
    0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0,
)
"""`icmp.rtt_buckets: full`: finer steps, for a few links studied closely."""


def median_rtt(rtts: tuple[float, ...]) -> float | None:
    return statistics.median(rtts) if rtts else None


def jitter(rtts: tuple[float, ...]) -> float | None:
    """Mean absolute difference of successive RTTs (IP delay variation)."""
    if len(rtts) < 2:
        return None
    return sum(abs(b - a) for a, b in itertools.pairwise(rtts)) / (len(rtts) - 1)


@dataclass
class TargetTotals:
    """Everything counted for one target since the collector started."""

    bounds: tuple[float, ...] = RTT_BUCKETS
    """The RTT histogram's upper bounds (+Inf left out)."""
    sent: int = 0
    received: int = 0
    rtt_sum: float = 0.0
    rtt_buckets: list[int] = field(default_factory=list)
    errors: dict[PingError, int] = field(default_factory=dict)
    last: PingResult | None = None

    def __post_init__(self) -> None:
        if not self.rtt_buckets:
            self.rtt_buckets = [0] * len(self.bounds)

    def add(self, result: PingResult) -> None:
        self.sent += result.sent
        self.received += result.received
        bounds = self.bounds
        for rtt in result.rtts:
            self.rtt_sum += rtt
            index = bisect.bisect_left(bounds, rtt)
            if index < len(bounds):
                self.rtt_buckets[index] += 1
        if result.error is not None:
            self.errors[result.error] = self.errors.get(result.error, 0) + 1
        self.last = result

    def cumulative_buckets(self) -> list[int]:
        running, out = 0, []
        for count in self.rtt_buckets:
            running += count
            out.append(running)
        return out
