"""The collector's former exposition of sites, links and ping targets, with prometheus_client's
Metric families: the peer that bench/exposition.py renders beside Pantau's text writer."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from collector import __version__
from collector.icmp import PingError
from collector.state import LinkState, StateStore
from collector.state.measures import jitter, median_rtt

LINK_LABELS = ["site", "link", "kind"]
TARGET_LABELS = [*LINK_LABELS, "target"]
LAST_ROUND = " (from the last round; see pantau_icmp_round_last_timestamp_seconds)"


class LinkCollector(Collector):
    """Sites, links and ping targets."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def collect(self) -> Iterator[Metric]:
        yield from self._build_info()
        yield from self._sites()
        yield from self._links()
        yield from self._targets()

    def _build_info(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "pantau_build_info", "Collector version; always 1", labels=["version"])
        info.add_metric([__version__], 1)
        yield info

    def _sites(self) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            "pantau_site_state",
            "1 for the site's current state, 0 for the others (up: some link answers)",
            labels=["site", "state"])
        since = GaugeMetricFamily(
            "pantau_site_state_change_timestamp_seconds",
            "When the site entered its current state (Unix time)", labels=["site"])
        rounds = CounterMetricFamily(
            "pantau_icmp_rounds", "Ping rounds completed for the site", labels=["site"])
        duration = GaugeMetricFamily(
            "pantau_icmp_round_duration_seconds",
            "How long the site's last ping round took", labels=["site"])
        last = GaugeMetricFamily(
            "pantau_icmp_round_last_timestamp_seconds",
            "When the site's last ping round ended (Unix time)", labels=["site"])
        for name, record in self._store.sites.items():
            for value in LinkState:
                state.add_metric([name, value.value], float(record.state is value))
            since.add_metric([name], record.since)
            rounds.add_metric([name], record.rounds)
            if record.last_round_at is not None:
                duration.add_metric([name], record.last_round_duration or 0.0)
                last.add_metric([name], record.last_round_at)
        yield from (state, since, rounds, duration, last)

    def _links(self) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            "pantau_link_state",
            "1 for the link's current state, 0 for the others",
            labels=[*LINK_LABELS, "state"])
        since = GaugeMetricFamily(
            "pantau_link_state_change_timestamp_seconds",
            "When the link entered its current state (Unix time)", labels=LINK_LABELS)
        error = GaugeMetricFamily(
            "pantau_link_error",
            "1 for the reason the link cannot be checked (its state is error: no echo could "
            "be sent), 0 for the others; all 0 while it can be",
            labels=[*LINK_LABELS, "reason"])
        for record in self._store.links.values():
            labels = [record.site.name, record.link.name, record.link.kind.value]
            for value in LinkState:
                state.add_metric([*labels, value.value], float(record.state is value))
            since.add_metric(labels, record.since)
            reason = record.health.error if record.state is LinkState.ERROR else None
            for kind in PingError:
                error.add_metric([*labels, kind.value], float(reason is kind))
        yield from (state, since, error)

    def _targets(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "pantau_icmp_echo_requests", "ICMP echo requests sent", labels=TARGET_LABELS)
        replies = CounterMetricFamily(
            "pantau_icmp_echo_replies", "ICMP echo replies received in time",
            labels=TARGET_LABELS)
        errors = CounterMetricFamily(
            "pantau_icmp_send_errors",
            "Rounds in which echoes to the target could not be sent, by reason",
            labels=[*TARGET_LABELS, "reason"])
        rtt = HistogramMetricFamily(
            "pantau_icmp_rtt_seconds", "Round-trip time of echo replies", labels=TARGET_LABELS)
        success = GaugeMetricFamily(
            "pantau_icmp_probe_success", "1 if the target answered" + LAST_ROUND,
            labels=TARGET_LABELS)
        loss = GaugeMetricFamily(
            "pantau_icmp_loss_ratio", "Share of echoes lost" + LAST_ROUND, labels=TARGET_LABELS)
        median = GaugeMetricFamily(
            "pantau_icmp_rtt_median_seconds", "Median round-trip time" + LAST_ROUND,
            labels=TARGET_LABELS)
        jitter_family = GaugeMetricFamily(
            "pantau_icmp_jitter_seconds",
            "Mean difference between successive round-trip times" + LAST_ROUND,
            labels=TARGET_LABELS)
        for record in self._store.links.values():
            for target, totals in record.targets.items():
                labels = [record.site.name, record.link.name, record.link.kind.value, target]
                requests.add_metric(labels, totals.sent)
                replies.add_metric(labels, totals.received)
                for reason in PingError:
                    errors.add_metric([*labels, reason.value], totals.errors.get(reason, 0))
                bounds = [repr(b) for b in totals.bounds]
                buckets = list(zip(bounds, totals.cumulative_buckets(), strict=True))
                buckets.append(("+Inf", totals.received))
                rtt.add_metric(labels, buckets, totals.rtt_sum)
                last = totals.last
                if last is None:
                    continue
                success.add_metric(labels, float(last.received > 0))
                if last.loss_ratio is not None:
                    loss.add_metric(labels, last.loss_ratio)
                for family, value in ((median, median_rtt(last.rtts)),
                                      (jitter_family, jitter(last.rtts))):
                    if value is not None:
                        family.add_metric(labels, value)
        yield from (requests, replies, errors, rtt, success, loss, median, jitter_family)
