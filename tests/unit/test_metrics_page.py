"""/metrics as one page of parts: one part that fails leaves the others served, and says so
once; both formats Prometheus negotiates, checked by prometheus_client's own parsers (the
OpenMetrics one is strict); the text writer's numbers read as prometheus_client writes them."""

from __future__ import annotations

import logging
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from collector.exposition.page import MetricsPage
from collector.exposition.text import COUNTER, GAUGE, HISTOGRAM, Family, LabelSet
from tests.support.metrics import value

pytestmark = pytest.mark.unit

OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"


class Part:
    def __init__(self, name: str, label: str = "ok", fail: bool = False) -> None:
        self.name, self.label, self.fail = name, label, fail

    def collect(self):
        if self.fail:
            raise ValueError("a value nothing foresaw")
        family = GaugeMetricFamily(f"part_{self.name}", "A part.", labels=["what"])
        family.add_metric([self.label], 1.0)
        yield family


class TextPart:
    def __init__(self, label: str = "ok", fail: bool = False) -> None:
        self.label, self.fail = label, fail

    def families(self):
        if self.fail:
            raise ValueError("a value nothing foresaw")
        family = Family("part_text", COUNTER, "A part written as text.")
        family.add(LabelSet(["what"], [self.label]), 3)
        yield family


def test_a_failing_part_or_an_unwritable_label_leaves_the_rest_served(caplog):
    page = MetricsPage()
    broken, odd, text_broken = Part("broken", fail=True), Part("odd", label="/mnt/\udcff"), \
        TextPart(fail=True)
    for name, part in (("fine", Part("fine")), ("broken", broken), ("odd", odd),
                       ("text", text_broken), ("oddtext", TextPart(label="/mnt/\udcff"))):
        page.add(name, part)
    with caplog.at_level(logging.ERROR, logger="collector.exposition.page"):
        for _ in range(3):
            text = page.render(None)[0].decode()
    assert value(text, "part_fine", what="ok") == 1.0
    assert "part_broken" not in text and "part_odd" not in text and "part_text" not in text
    assert page.errors.counts == {"fine": 0, "broken": 3, "odd": 3, "text": 3, "oddtext": 3}
    # Served ahead of the parts, the count shows the scrapes before this one.
    assert value(text, "pantau_exposition_errors_total", part="broken") == 2
    assert value(text, "pantau_exposition_errors_total", part="fine") == 0
    assert len(caplog.records) == 4  # once per failing part, not per scrape
    broken.fail = text_broken.fail = False
    text = page.render(None)[0].decode()
    assert value(text, "part_broken", what="ok") == 1.0
    assert value(text, "part_text_total", what="ok") == 3.0


def families_of_both_kinds():
    """The same families, made by prometheus_client and written as text."""
    gauge = GaugeMetricFamily("g", 'A gauge, with "quotes" and a \\ backslash\nand a line.',
                              labels=["site", "link"])
    counter = CounterMetricFamily("c", "A counter.", labels=["site"])
    histogram = HistogramMetricFamily("h_seconds", "A histogram.", labels=["site"])
    text = [Family("g", GAUGE, gauge.documentation), Family("c", COUNTER, "A counter."),
            Family("h_seconds", HISTOGRAM, "A histogram.")]
    for site, number in (('di"skominfo\\', 0.25), ("rumah\nsakit", 1e21), ("é", math.inf)):
        gauge.add_metric([site, "fo"], number)
        text[0].add(LabelSet(["site", "link"], [site, "fo"]), number)
        counter.add_metric([site], 12)
        text[1].add(LabelSet(["site"], [site]), 12)
        histogram.add_metric([site], [("0.001", 1), ("0.5", 4), ("+Inf", 5)], 0.75)
        text[2].add_histogram(LabelSet(["site"], [site]), ["0.001", "0.5"], [1, 4], 5, 0.75)
    return [gauge, counter, histogram], text


class Made:
    def __init__(self, families) -> None:
        self._families = families

    def collect(self):
        return self._families


class Written:
    def __init__(self, families) -> None:
        self._families = families

    def families(self):
        return self._families


@pytest.mark.parametrize("accept", [None, OPENMETRICS])
def test_text_families_parse_as_prometheus_clients_own_do(accept):
    made, written = families_of_both_kinds()
    reference, ours = MetricsPage(), MetricsPage()
    reference.add("part", Made(made))
    ours.add("part", Written(written))
    (expected, expected_type), (got, got_type) = reference.render(accept), ours.render(accept)
    assert got_type == expected_type
    if accept is None:
        assert expected_type.startswith("text/plain; version=0.0.4")
        parse = text_string_to_metric_families
    else:
        assert expected_type.startswith("application/openmetrics-text; version=1.0.0")
        assert got.endswith(b"# EOF\n") and got.count(b"# EOF") == 1
        parse = openmetrics_families  # strict: a malformed line raises
    assert [(f.name, f.type, f.documentation, f.samples) for f in parse(got.decode())] == [
        (f.name, f.type, f.documentation, f.samples) for f in parse(expected.decode())]


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False) | st.integers(-2**70, 2**70),
       st.text(max_size=12))
def test_a_written_sample_is_byte_for_byte_prometheus_clients(number, label):
    family = GaugeMetricFamily("x", "X.", labels=["a"])
    family.add_metric([label], number)
    expected = generate_latest(Made([family])).decode().split("\n")[-2]
    ours = Family("x", GAUGE, "X.")
    ours.add(LabelSet(["a"], [label]), number)
    assert ours.lines == [expected + "\n"]
