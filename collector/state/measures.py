"""Running totals per target and the figures derived from one round."""

from __future__ import annotations

import bisect
import itertools
import statistics
from dataclasses import dataclass, field

from collector.icmp import PingError, PingResult

# Smokeping-like: fine steps where LAN and fibre RTTs live, coarse ones for
# congested wireless hops and satellite-like delays.
RTT_BUCKETS: tuple[float, ...] = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05,
    0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0,
)


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

    sent: int = 0
    received: int = 0
    rtt_sum: float = 0.0
    rtt_buckets: list[int] = field(default_factory=lambda: [0] * len(RTT_BUCKETS))
    errors: dict[PingError, int] = field(default_factory=dict)
    last: PingResult | None = None

    def add(self, result: PingResult) -> None:
        self.sent += result.sent
        self.received += result.received
        for rtt in result.rtts:
            self.rtt_sum += rtt
            index = bisect.bisect_left(RTT_BUCKETS, rtt)
            if index < len(RTT_BUCKETS):
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
