"""What the collector could not write at once, as metric families: notifications decided and
not yet in the outbox, and changes to its files kept in memory until the disk takes them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from collector.alerting.outage_log import WriteStats
from collector.alerting.service import HandOverStats


@dataclass(frozen=True)
class Storage:
    """What there is to read, once the collector has opened its files."""

    hand_over: HandOverStats
    outage_log: WriteStats
    ledger_failures: Callable[[], int]


class StorageCollector(Collector):
    def __init__(self, storage: Callable[[], Storage | None]) -> None:
        self._storage = storage

    def collect(self) -> Iterator[Metric]:
        storage = self._storage()
        if storage is None:
            return
        waiting = GaugeMetricFamily(
            "pantau_notifications_waiting",
            "Notifications decided and due that the outbox has not taken yet (its file "
            "cannot be written): kept, and offered again every tick")
        waiting.add_metric([], storage.hand_over.waiting)
        refused = CounterMetricFamily(
            "pantau_notifications_hand_over_failures",
            "Times the outbox could not take a batch of notifications (each offered again)")
        refused.add_metric([], storage.hand_over.failures)
        unwritten = GaugeMetricFamily(
            "pantau_storage_unwritten_changes",
            "Changes kept in memory because their file cannot be written now", labels=["file"])
        unwritten.add_metric(["outages"], storage.outage_log.unwritten)
        failures = CounterMetricFamily(
            "pantau_storage_write_failures",
            "Failed commits to the collector's files (each retried)", labels=["file"])
        failures.add_metric(["outages"], storage.outage_log.failures)
        failures.add_metric(["ledger"], storage.ledger_failures())
        yield from (waiting, refused, unwritten, failures)
