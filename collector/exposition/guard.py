"""One part of /metrics failing does not take the others with it.

Every collector is registered behind a guard: should building its families raise (a bug, a
value nothing foresaw), the guard logs it (once per part until it works again), counts it in
`pantau_exposition_errors_total{part}`, and the scrape goes on without that part, rather than
answering 500 for the whole province.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


class ExpositionErrors(Collector):
    """The guards' counts, as a metric of its own (itself unguarded: it cannot fail)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "pantau_exposition_errors",
            "Scrapes that went without a part of the metrics because building it failed "
            "(see the log)", labels=["part"])
        for part, count in sorted(self.counts.items()):
            family.add_metric([part], count)
        yield family


class Guarded(Collector):
    def __init__(self, inner: Collector, part: str, errors: ExpositionErrors) -> None:
        self._inner, self._part, self._errors = inner, part, errors
        errors.counts.setdefault(part, 0)
        self._failing = False

    def collect(self) -> Iterator[Metric]:
        try:
            families = list(self._inner.collect())
            for family in families:
                for sample in family.samples:
                    # What cannot be written as UTF-8 would fail the whole page later.
                    for text in sample.labels.values():
                        text.encode()
        except Exception:
            self._errors.counts[self._part] += 1
            if not self._failing:
                log.exception("/metrics: the %s metrics cannot be built; they are left out "
                              "until they can", self._part)
                self._failing = True
            return
        if self._failing:
            log.info("/metrics: the %s metrics are built again", self._part)
            self._failing = False
        yield from families
