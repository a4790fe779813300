"""The HTTP server's connections as metric families: held now, and refused by the caps."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.connections import ConnectionLimits


class ConnectionCollector(Collector):
    def __init__(self, limits: ConnectionLimits) -> None:
        self._limits = limits

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("pantau_http_connections",
                                "Connections the HTTP server holds now",
                                value=self._limits.held)
        yield CounterMetricFamily(
            "pantau_http_connections_refused",
            "Connections closed as they were made: over the cap in all, per address, or "
            "into the share kept for addresses that hold none", value=self._limits.refused)
