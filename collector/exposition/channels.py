"""The channels' outbox (Telegram, webhooks) as metric families, per channel: what waits and
for how long, what went out, what was refused for good, and failed attempts by kind; and the
chat's buttons: outages taken in hand, and failed reads of the presses."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.notify.buttons import ButtonStats
from collector.notify.outbox import FAILURE_KINDS, Outbox


class ChannelCollector(Collector):
    def __init__(self, outbox: Outbox, clock: Callable[[], float] = time.time,
                 buttons: Callable[[], ButtonStats | None] = lambda: None) -> None:
        self._outbox = outbox
        self._clock = clock
        self._buttons = buttons

    def collect(self) -> Iterator[Metric]:
        pending = GaugeMetricFamily("pantau_notify_pending",
                                    "Messages waiting to be delivered", labels=["channel"])
        oldest = GaugeMetricFamily(
            "pantau_notify_oldest_pending_seconds",
            "How long the oldest waiting message has waited (0 when none waits)",
            labels=["channel"])
        sent = CounterMetricFamily("pantau_notify_sent", "Messages the channel accepted",
                                   labels=["channel"])
        failed = CounterMetricFamily(
            "pantau_notify_failed", "Messages refused for good (kept in the outbox, not retried)",
            labels=["channel"])
        failures = CounterMetricFamily(
            "pantau_notify_send_failures",
            "Failed attempts to deliver, retries included, by kind", labels=["channel", "kind"])
        unknown = CounterMetricFamily(
            "pantau_notify_unknown_fate",
            "Sendings that went out whole and got no answer (the other side may have the "
            "message): each sent once more", labels=["channel"])
        unconfirmed = CounterMetricFamily(
            "pantau_notify_unconfirmed",
            "Messages kept as sent after two sendings without an answer (not sent a third "
            "time)", labels=["channel"])
        unmarked = CounterMetricFamily(
            "pantau_notify_status_write_failures",
            "Failed writes of what became of a message (kept in memory and retried; the "
            "message is not sent again meanwhile)", labels=["channel"])
        now = self._clock()
        for channel, stats in self._outbox.stats().items():
            pending.add_metric([channel], stats.pending)
            waited = 0.0 if stats.oldest_pending_at is None else now - stats.oldest_pending_at
            oldest.add_metric([channel], max(waited, 0.0))
            sent.add_metric([channel], stats.sent)
            failed.add_metric([channel], stats.failed)
            for kind in FAILURE_KINDS:
                failures.add_metric([channel, kind], stats.failures.get(kind, 0))
            unknown.add_metric([channel], stats.unknown)
            unconfirmed.add_metric([channel], stats.unconfirmed)
            unmarked.add_metric([channel], stats.unmarked_failures)
        yield from (pending, oldest, sent, failed, failures, unknown, unconfirmed, unmarked)
        buttons = self._buttons()
        if buttons is None:
            return
        acks = CounterMetricFamily(
            "pantau_notify_acknowledgements",
            "Outages taken in hand with a chat's button", labels=["channel"])
        acks.add_metric(["telegram"], buttons.acknowledged)
        polls = CounterMetricFamily(
            "pantau_notify_poll_failures",
            "Failed reads of the chat's button presses (getUpdates), by kind",
            labels=["channel", "kind"])
        for kind in FAILURE_KINDS:
            polls.add_metric(["telegram", kind], buttons.poll_failures.get(kind, 0))
        yield from (acks, polls)
