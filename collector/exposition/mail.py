"""The mail channel of the outbox as metric families: what waits, what went out, what failed
and why (by the mail's own kinds of error)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.mail import MailErrorKind, MailOutbox


class MailCollector(Collector):
    def __init__(self, outbox: MailOutbox) -> None:
        self._outbox = outbox

    def collect(self) -> Iterator[Metric]:
        stats = self._outbox.stats()
        yield GaugeMetricFamily(
            "pantau_mail_outbox_pending",
            "Mails in the outbox waiting for the server to accept them", value=stats.pending)
        yield CounterMetricFamily(
            "pantau_mail_sent", "Mails the server accepted", value=stats.sent)
        failures = CounterMetricFamily(
            "pantau_mail_send_failures", "Failed attempts to send a mail, retries included, "
            "by kind of error", labels=["kind"])
        for kind in MailErrorKind:
            failures.add_metric([kind.value], stats.failures.get(kind, 0))
        yield failures
        yield CounterMetricFamily(
            "pantau_mail_failed",
            "Mails given up: the server refused them for good (5xx); they stay in the outbox",
            value=stats.failed)
        yield GaugeMetricFamily(
            "pantau_mail_last_sent_timestamp_seconds",
            "When the server last accepted a mail (Unix time; 0 if it never did)",
            value=stats.last_sent_at or 0.0)
