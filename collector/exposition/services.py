"""The services' checks under blackbox_exporter's names (`probe_success`,
`probe_http_status_code`, `probe_http_duration_seconds{phase}`, ...) with `site` and `service`
labels, so its dashboards and alert rules work; and Pantau's own state series."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.probes import ProbeContext
from collector.state.services import FailureKind, ServiceState, ServiceStateKind

LABELS = ["site", "service"]
FAILURES = tuple(kind.value for kind in FailureKind)
LAST = " (last check)"


def build_collector(context: ProbeContext) -> ServiceCollector:
    assert context.services is not None
    return ServiceCollector(context.services)


class ServiceCollector(Collector):
    def __init__(self, state: ServiceState) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        success = GaugeMetricFamily("probe_success", "1 if the check succeeded" + LAST,
                                    labels=LABELS)
        duration = GaugeMetricFamily("probe_duration_seconds",
                                     "How long the check took" + LAST, labels=LABELS)
        status = GaugeMetricFamily("probe_http_status_code",
                                   "Status code of the response, 0 without one" + LAST,
                                   labels=LABELS)
        phases = GaugeMetricFamily("probe_http_duration_seconds",
                                   "Time spent in each phase of the request" + LAST,
                                   labels=[*LABELS, "phase"])
        expiry = GaugeMetricFamily("probe_ssl_earliest_cert_expiry",
                                   "When the server's certificate expires (Unix time)" + LAST,
                                   labels=LABELS)
        state = GaugeMetricFamily("pantau_service_state",
                                  "1 for the service's current state, 0 for the others",
                                  labels=[*LABELS, "state"])
        since = GaugeMetricFamily("pantau_service_state_change_timestamp_seconds",
                                  "When the service entered its current state (Unix time)",
                                  labels=LABELS)
        failed = GaugeMetricFamily("pantau_service_check_failure",
                                   "1 for the reason the last check failed, 0 for the others",
                                   labels=[*LABELS, "kind"])
        lookup = GaugeMetricFamily("probe_dns_lookup_time_seconds",
                                   "How long the DNS query took" + LAST, labels=LABELS)
        answer_rrs = GaugeMetricFamily("probe_dns_answer_rrs",
                                       "Records in the answer section of the DNS answer" + LAST,
                                       labels=LABELS)
        checks = CounterMetricFamily("pantau_service_checks", "Checks made", labels=LABELS)
        failures = CounterMetricFamily("pantau_service_check_failures",
                                       "Checks that failed, by reason", labels=[*LABELS, "kind"])
        for (site, name), record in self._state.services.items():
            labels = [site, name]
            for value in ServiceStateKind:
                state.add_metric([*labels, value.value], float(record.state is value))
            since.add_metric(labels, record.since)
            checks.add_metric(labels, record.checks)
            for kind in FAILURES:
                failures.add_metric([*labels, kind], record.failures.get(kind, 0))
            last = record.last
            if last is None:
                continue
            for kind in FAILURES:
                failed.add_metric([*labels, kind], float(last.failure == kind))
            success.add_metric(labels, float(last.success))
            duration.add_metric(labels, last.duration)
            if record.service.kind == "http":
                status.add_metric(labels, float(last.status_code or 0))
                for phase, seconds in last.phases.items():
                    phases.add_metric([*labels, phase], seconds)
            elif record.service.kind == "dns":
                lookup.add_metric(labels, last.phases.get("lookup", 0.0))
                if "answer_rrs" in last.figures:
                    answer_rrs.add_metric(labels, last.figures["answer_rrs"])
            if last.cert_expiry is not None:
                expiry.add_metric(labels, last.cert_expiry)
        yield from (success, duration, status, phases, expiry, lookup, answer_rrs, state, since,
                    failed, checks, failures)
