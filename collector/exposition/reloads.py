"""The config's reloads, as Prometheus names them for itself: whether the last one took, and
when the config in force was loaded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


@dataclass
class ReloadStats:
    loaded_at: float
    """When the config in force was loaded (the start, or the last reload that took)."""
    last_successful: bool = True
    results: dict[str, int] = field(default_factory=lambda: {"success": 0, "failure": 0})


class ReloadCollector(Collector):
    def __init__(self, stats: ReloadStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self._stats
        last = GaugeMetricFamily(
            "pantau_config_last_reload_successful",
            "1 if the last reload of the config took (or none was asked for), 0 if the "
            "config it read was refused and the one before stays in force")
        last.add_metric([], 1 if stats.last_successful else 0)
        yield last
        loaded = GaugeMetricFamily(
            "pantau_config_last_reload_success_timestamp_seconds",
            "When the config in force was loaded: the start, or the last reload that took")
        loaded.add_metric([], stats.loaded_at)
        yield loaded
        reloads = CounterMetricFamily("pantau_config_reloads",
                                      "Reloads asked for (SIGHUP, collector reload), by result",
                                      labels=["result"])
        for result, count in stats.results.items():
            reloads.add_metric([result], count)
        yield reloads
