"""Sites, links and ping targets as metric families, written as text at each scrape
(`collector.exposition.text`): with a thousand targets they are tens of thousands of series.
Each entity's labels are escaped once and kept."""

from __future__ import annotations

from collections.abc import Iterator

from collector import __version__
from collector.exposition.text import COUNTER, GAUGE, HISTOGRAM, Family, LabelSet, bounds
from collector.icmp import PingError
from collector.probes import ProbeContext
from collector.state import LinkState, StateStore
from collector.state.measures import jitter, median_rtt
from collector.state.store import LinkRecord

LINK_LABELS = ["site", "link", "kind"]
TARGET_LABELS = [*LINK_LABELS, "target"]
LAST_ROUND = " (from the last round; see pantau_icmp_round_last_timestamp_seconds)"
STATES = [state.value for state in LinkState]
REASONS = [reason.value for reason in PingError]


def build_collector(context: ProbeContext) -> LinkText:
    return LinkText(context.store)


class _Labels:
    """What one link's series are labelled with, escaped once."""

    def __init__(self, record: LinkRecord) -> None:
        values = [record.site.name, record.link.name, record.link.kind.value]
        link = LabelSet(LINK_LABELS, values)
        self.link = link
        self.states = [link.plus("state", state) for state in STATES]
        self.reasons = [link.plus("reason", reason) for reason in REASONS]
        self.targets = {target: LabelSet(TARGET_LABELS, [*values, target])
                        for target in record.targets}
        self.target_reasons = {target: [labels.plus("reason", reason) for reason in REASONS]
                               for target, labels in self.targets.items()}


class LinkText:
    """Sites, links and ping targets."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._labels: dict[tuple[str, str], _Labels] = {}
        self._site_labels: dict[str, tuple[LabelSet, list[str]]] = {}

    def families(self) -> Iterator[Family]:
        info = Family("pantau_build_info", GAUGE, "Collector version; always 1")
        info.add(LabelSet(["version"], [__version__]), 1)
        yield info
        yield from self._sites()
        yield from self._links()
        yield from self._targets()

    def _labels_of(self, record: LinkRecord) -> _Labels:
        key = (record.site.name, record.link.name)
        labels = self._labels.get(key)
        if labels is None or labels.targets.keys() != record.targets.keys():
            labels = self._labels[key] = _Labels(record)
        return labels

    def _sites(self) -> Iterator[Family]:
        state = Family("pantau_site_state", GAUGE,
                       "1 for the site's current state, 0 for the others (up: some link "
                       "answers)")
        since = Family("pantau_site_state_change_timestamp_seconds", GAUGE,
                       "When the site entered its current state (Unix time)")
        rounds = Family("pantau_icmp_rounds", COUNTER, "Ping rounds completed for the site")
        duration = Family("pantau_icmp_round_duration_seconds", GAUGE,
                          "How long the site's last ping round took")
        last = Family("pantau_icmp_round_last_timestamp_seconds", GAUGE,
                      "When the site's last ping round ended (Unix time)")
        for name, record in self._store.sites.items():
            found = self._site_labels.get(name)
            if found is None:
                site = LabelSet(["site"], [name])
                found = self._site_labels[name] = (
                    site, [site.plus("state", value) for value in STATES])
            site, states = found
            current = record.state.value
            for value, labels in zip(STATES, states, strict=True):
                state.add(labels, float(value == current))
            since.add(site, record.since)
            rounds.add(site, record.rounds)
            if record.last_round_at is not None:
                duration.add(site, record.last_round_duration or 0.0)
                last.add(site, record.last_round_at)
        yield from (state, since, rounds, duration, last)

    def _links(self) -> Iterator[Family]:
        state = Family("pantau_link_state", GAUGE,
                       "1 for the link's current state, 0 for the others")
        since = Family("pantau_link_state_change_timestamp_seconds", GAUGE,
                       "When the link entered its current state (Unix time)")
        error = Family("pantau_link_error", GAUGE,
                       "1 for the reason the link cannot be checked (its state is error: no "
                       "echo could be sent), 0 for the others; all 0 while it can be")
        for record in self._store.links.values():
            labels = self._labels_of(record)
            current = record.state.value
            for value, text in zip(STATES, labels.states, strict=True):
                state.add(text, float(value == current))
            since.add(labels.link, record.since)
            reason = record.health.error.value if (
                record.state is LinkState.ERROR and record.health.error is not None) else None
            for value, text in zip(REASONS, labels.reasons, strict=True):
                error.add(text, float(value == reason))
        yield from (state, since, error)

    def _targets(self) -> Iterator[Family]:
        requests = Family("pantau_icmp_echo_requests", COUNTER, "ICMP echo requests sent")
        replies = Family("pantau_icmp_echo_replies", COUNTER,
                         "ICMP echo replies received in time")
        errors = Family("pantau_icmp_send_errors", COUNTER,
                        "Rounds in which echoes to the target could not be sent, by reason")
        rtt = Family("pantau_icmp_rtt_seconds", HISTOGRAM, "Round-trip time of echo replies")
        success = Family("pantau_icmp_probe_success", GAUGE,
                         "1 if the target answered" + LAST_ROUND)
        loss = Family("pantau_icmp_loss_ratio", GAUGE, "Share of echoes lost" + LAST_ROUND)
        median = Family("pantau_icmp_rtt_median_seconds", GAUGE,
                        "Median round-trip time" + LAST_ROUND)
        jitter_family = Family("pantau_icmp_jitter_seconds", GAUGE,
                               "Mean difference between successive round-trip times"
                               + LAST_ROUND)
        written: dict[tuple[float, ...], list[str]] = {}
        for record in self._store.links.values():
            link_labels = self._labels_of(record)
            for target, totals in record.targets.items():
                labels = link_labels.targets[target]
                requests.add(labels, totals.sent)
                replies.add(labels, totals.received)
                for reason, text in zip(PingError, link_labels.target_reasons[target],
                                        strict=True):
                    errors.add(text, totals.errors.get(reason, 0))
                le = written.get(totals.bounds)
                if le is None:
                    le = written[totals.bounds] = bounds(totals.bounds)
                rtt.add_histogram(labels, le, totals.cumulative_buckets(), totals.received,
                                  totals.rtt_sum)
                last = totals.last
                if last is None:
                    continue
                success.add(labels, float(last.received > 0))
                if last.loss_ratio is not None:
                    loss.add(labels, last.loss_ratio)
                for family, value in ((median, median_rtt(last.rtts)),
                                      (jitter_family, jitter(last.rtts))):
                    if value is not None:
                        family.add(labels, value)
        yield from (requests, replies, errors, rtt, success, loss, median, jitter_family)
