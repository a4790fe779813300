"""One part of /metrics that fails leaves the others served, and says so once."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import CollectorRegistry

from collector.exposition.guard import ExpositionErrors, Guarded
from tests.support.metrics import value

pytestmark = pytest.mark.unit


class Part:
    def __init__(self, name: str, label: str = "ok", fail: bool = False) -> None:
        self.name, self.label, self.fail = name, label, fail

    def collect(self):
        if self.fail:
            raise ValueError("a value nothing foresaw")
        family = GaugeMetricFamily(f"part_{self.name}", "A part.", labels=["what"])
        family.add_metric([self.label], 1.0)
        yield family


def test_a_failing_part_or_an_unwritable_label_leaves_the_rest_served(caplog):
    errors = ExpositionErrors()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(errors)
    broken, odd = Part("broken", fail=True), Part("odd", label="/mnt/\udcff")
    for name, part in (("fine", Part("fine")), ("broken", broken), ("odd", odd)):
        registry.register(Guarded(part, name, errors))
    with caplog.at_level(logging.ERROR, logger="collector.exposition.guard"):
        for _ in range(3):
            text = generate_latest(registry).decode()
    assert value(text, "part_fine", what="ok") == 1.0
    assert "part_broken" not in text and "part_odd" not in text
    assert errors.counts == {"fine": 0, "broken": 3, "odd": 3}
    # Served ahead of the parts, the count shows the scrapes before this one.
    assert value(text, "pantau_exposition_errors_total", part="broken") == 2
    assert value(text, "pantau_exposition_errors_total", part="fine") == 0
    assert len(caplog.records) == 2  # once per failing part, not per scrape
    broken.fail = False
    assert value(generate_latest(registry).decode(), "part_broken", what="ok") == 1.0
