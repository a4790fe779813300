"""The satellites' observations as the core takes them: how many, how recent, and what was
refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from collector.ingest.satellites import SatelliteIngest
    from collector.satellite import ForwardStats


class SatelliteCollector(Collector):
    def __init__(self, ingest: Callable[[], SatelliteIngest | None]) -> None:
        self._ingest = ingest

    def collect(self) -> Iterator[Metric]:
        ingest = self._ingest()
        if ingest is None or not ingest.records:
            return  # no satellites configured: nothing to say
        taken = CounterMetricFamily(
            "pantau_satellite_observations",
            "Observations the core took from the satellite and evaluated, by kind",
            labels=["satellite", "kind"])
        skipped = CounterMetricFamily(
            "pantau_satellite_observations_skipped",
            "Observations sent again that the core had already taken", labels=["satellite"])
        last = GaugeMetricFamily(
            "pantau_satellite_last_batch_timestamp_seconds",
            "When the core last took a batch from the satellite (Unix time, core clock)",
            labels=["satellite"])
        for name, record in sorted(ingest.records.items()):
            for kind, count in sorted(record.observations.items()):
                taken.add_metric([name, kind], count)
            skipped.add_metric([name], record.skipped)
            if record.last_at is not None:
                last.add_metric([name], record.last_at)
        yield taken
        yield skipped
        yield last
        refused = CounterMetricFamily(
            "pantau_satellite_batches_rejected",
            "Batches of observations refused, by reason: bad_token, unknown_satellite, "
            "wrong_site, too_large, malformed, invalid, slow", labels=["reason"])
        for reason, count in ingest.rejected.items():
            refused.add_metric([reason], count)
        yield refused


class ForwardCollector(Collector):
    """On a satellite: what it sent the core, and what the core did not take."""

    def __init__(self, stats: ForwardStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        sent = CounterMetricFamily(
            "pantau_satellite_sent_observations",
            "Observations the core took from this satellite, by kind", labels=["kind"])
        for kind, count in sorted(self._stats.sent.items()):
            sent.add_metric([kind], count)
        yield sent
        lost = CounterMetricFamily(
            "pantau_satellite_lost_observations",
            "Observations the core did not take, and which are lost: unreachable (no answer "
            "in core.timeout) or refused (a 4xx or 5xx, in the log)", labels=["reason"])
        for reason in ("unreachable", "refused"):
            lost.add_metric([reason], self._stats.failed.get(reason, 0))
        yield lost
