"""SNMP devices as metric families: MIB objects under snmp_exporter's names, and how each
device's polls are going.

MIB counters are exposed untyped: the Prometheus client would otherwise append `_total`,
and dashboards written for snmp_exporter query `ifHCInOctets`, not `ifHCInOctets_total`.
A device whose last poll failed exports no MIB series, so they go stale in Prometheus
rather than repeat old values.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.probes import ProbeContext
from collector.snmp.client import SnmpErrorKind
from collector.snmp.profiles import ValueType
from collector.snmp.state import SnmpState

DEVICE_LABELS = ["site", "device"]
FROM_LAST_POLL = " (from the last poll; see pantau_snmp_last_poll_timestamp_seconds)"
_TYPES = {ValueType.GAUGE: "gauge", ValueType.COUNTER: "unknown", ValueType.TEXT: "gauge",
          ValueType.MAC: "gauge", ValueType.ENUM_INFO: "gauge"}


def build_collector(context: ProbeContext) -> SnmpCollector:
    return SnmpCollector(context.snmp)


class SnmpCollector(Collector):
    def __init__(self, state: SnmpState) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        yield from self._polls()
        yield from self._mib()

    def _mib(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for (site, device), record in self._state.devices.items():
            poll = record.last
            if poll is None or poll.error is not None:
                continue
            for sample in poll.samples:
                family = families.get(sample.name)
                if family is None:
                    family = families[sample.name] = Metric(
                        sample.name, (sample.help or sample.name) + FROM_LAST_POLL,
                        _TYPES[sample.type])
                family.add_sample(sample.name, {"site": site, "device": device,
                                                **dict(sample.labels)}, sample.value)
        yield from families.values()

    def _polls(self) -> Iterator[Metric]:
        success = GaugeMetricFamily(
            "pantau_snmp_poll_success", "1 if the device's last poll succeeded",
            labels=DEVICE_LABELS)
        error = GaugeMetricFamily(
            "pantau_snmp_poll_error",
            "1 for the kind of error the device's last poll ended with, 0 for the others",
            labels=[*DEVICE_LABELS, "kind"])
        duration = GaugeMetricFamily(
            "pantau_snmp_poll_duration_seconds", "How long the device's last poll took",
            labels=DEVICE_LABELS)
        last = GaugeMetricFamily(
            "pantau_snmp_last_poll_timestamp_seconds",
            "When the device's last poll ended (Unix time)", labels=DEVICE_LABELS)
        polls = CounterMetricFamily(
            "pantau_snmp_polls", "Polls of the device", labels=DEVICE_LABELS)
        errors = CounterMetricFamily(
            "pantau_snmp_poll_errors", "Failed polls of the device, by kind of error",
            labels=[*DEVICE_LABELS, "kind"])
        requests = CounterMetricFamily(
            "pantau_snmp_requests", "SNMP requests (PDUs) sent to the device",
            labels=DEVICE_LABELS)
        varbinds = CounterMetricFamily(
            "pantau_snmp_varbinds", "Variable bindings received from the device",
            labels=DEVICE_LABELS)
        malformed = CounterMetricFamily(
            "pantau_snmp_malformed_values",
            "Values of an unexpected type that were skipped", labels=DEVICE_LABELS)
        reboots = CounterMetricFamily(
            "pantau_snmp_device_reboots",
            "Restarts of the device (or its agent), seen as sysUpTime going back",
            labels=DEVICE_LABELS)
        for (site, name), record in self._state.devices.items():
            labels = [site, name]
            polls.add_metric(labels, record.polls)
            requests.add_metric(labels, record.requests)
            varbinds.add_metric(labels, record.varbinds)
            malformed.add_metric(labels, record.malformed)
            reboots.add_metric(labels, record.reboots)
            for kind in SnmpErrorKind:
                errors.add_metric([*labels, kind.value], record.failures.get(kind, 0))
            poll = record.last
            if poll is None:
                continue
            success.add_metric(labels, float(poll.error is None))
            for kind in SnmpErrorKind:
                error.add_metric([*labels, kind.value], float(poll.error is kind))
            duration.add_metric(labels, poll.duration)
            last.add_metric(labels, poll.at)
        yield from (success, error, duration, last, polls, errors, requests, varbinds,
                    malformed, reboots)
