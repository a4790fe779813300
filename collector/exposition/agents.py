"""Agents as metric families: their own health, and their hosts' node_* series re-exposed.

Host series keep node_exporter's names and labels, with ``agent`` and ``site`` added, so
dashboards and alert rules written for node_exporter work on them unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.ingest import AgentRegistry
from pantau_wire.agent_report import FAMILIES, Rejection

AGENT_LABELS = ["agent", "site"]


class AgentCollector(Collector):
    """Configured agents, and the current report of each that is not expired."""

    def __init__(self, registry: AgentRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._agents()
        yield from self._hosts()

    def _agents(self) -> Iterator[Metric]:
        registry = self._registry
        silence = registry.settings.silence
        up = GaugeMetricFamily(
            "pantau_agent_up",
            f"1 if the agent's last live report arrived within {silence:g} s, else 0",
            labels=AGENT_LABELS)
        last = GaugeMetricFamily(
            "pantau_agent_last_report_timestamp_seconds",
            "When the collector received the agent's current report (Unix time)",
            labels=AGENT_LABELS)
        reports = CounterMetricFamily(
            "pantau_agent_reports", "Reports stored, live and replayed", labels=AGENT_LABELS)
        replayed = CounterMetricFamily(
            "pantau_agent_reports_replayed",
            "Reports stored but not shown as current: sent from the agent's spool after a "
            "time the collector could not be reached", labels=AGENT_LABELS)
        duplicates = CounterMetricFamily(
            "pantau_agent_duplicate_reports", "Reports received again and ignored",
            labels=AGENT_LABELS)
        dropped = CounterMetricFamily(
            "pantau_agent_spool_dropped_reports",
            "Reports the agent's full spool threw away, as the agent counts them",
            labels=AGENT_LABELS)
        escaped = CounterMetricFamily(
            "pantau_agent_labels_escaped",
            "Label values of stored reports escaped by the collector (not UTF-8, control "
            "characters)", labels=AGENT_LABELS)
        rejected = CounterMetricFamily(
            "pantau_agent_pushes_rejected", "Pushes refused, by reason", labels=["reason"])
        for record in registry.records.values():
            labels = [record.name, record.site]
            up.add_metric(labels, float(registry.up(record)))
            if record.live_at is not None:
                last.add_metric(labels, record.live_at)
            reports.add_metric(labels, record.reports)
            replayed.add_metric(labels, record.replayed)
            duplicates.add_metric(labels, record.duplicates)
            dropped.add_metric(labels, record.dropped)
            escaped.add_metric(labels, record.escaped)
        for reason in Rejection.ALL:
            rejected.add_metric([reason], registry.rejected[reason])
        yield from (up, last, reports, replayed, duplicates, dropped, escaped, rejected)

    def _hosts(self) -> Iterator[Metric]:
        visible = list(self._registry.visible())
        for family in FAMILIES:
            labels = [*family.labels, *AGENT_LABELS]
            if family.type == "counter":
                metric: Metric = CounterMetricFamily(
                    family.name.removesuffix("_total"), family.help, labels=labels)
            else:
                metric = GaugeMetricFamily(family.name, family.help, labels=labels)
            for record, report in visible:
                for values, value in report.families.get(family.name, ()):
                    metric.add_metric([*values, record.name, record.site], value)
            # A family no host has (no swap devices, say) would be an empty HELP and TYPE.
            if metric.samples:
                yield metric
