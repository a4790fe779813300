"""/metrics: every part of the collector's metrics, in the format the scraper asks for, and
one part failing does not take the others with it.

Parts are of two kinds. Most are prometheus_client collectors (families of `Metric`s, written
by its own encoders). The parts with a series per ping target or per interface write their
text themselves (`collector.exposition.text`): tens of thousands of series cost there a few
microseconds each instead of tens.

The format is negotiated as Prometheus does, from the Accept header: OpenMetrics 1.0 when it
is asked for, else the text format 0.0.4 (compression is the HTTP server's business).

Should building a part raise (a bug, a value nothing foresaw, a label that cannot be written
as UTF-8), the page logs it (once per part until it works again), counts it in
`pantau_exposition_errors_total{part}`, and is served without that part, rather than
answering 500 for the whole province.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, runtime_checkable

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from collector.exposition.text import Family

log = logging.getLogger(__name__)

EOF_LINE = b"# EOF\n"


@runtime_checkable
class TextSource(Protocol):
    def families(self) -> Iterable[Family]:
        """The part's families, written."""
        ...


class ExpositionErrors(Collector):
    """The parts' failures, as a metric of its own (itself unguarded: it cannot fail)."""

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


Source = Collector | TextSource
"""A part of the page: a prometheus_client collector, or families written as text."""
Render = Callable[[bool], bytes]
"""A part written for OpenMetrics (True) or the text format 0.0.4 (False)."""


def _collector(source: Collector) -> Render:
    def render(openmetrics: bool) -> bytes:
        encoder, _ = choose_encoder(OPENMETRICS if openmetrics else "")
        body = encoder(source)
        return body[:-len(EOF_LINE)] if openmetrics and body.endswith(EOF_LINE) else body
    return render


def _text(source: TextSource) -> Render:
    def render(openmetrics: bool) -> bytes:
        return "".join(family.render(openmetrics) for family in source.families()).encode()
    return render


class _Part:
    def __init__(self, name: str, render: Render) -> None:
        self.name, self.render = name, render
        self.failing = False


OPENMETRICS = "application/openmetrics-text; version=1.0.0"


class MetricsPage:
    def __init__(self) -> None:
        self.errors = ExpositionErrors()
        self._parts = [_Part("errors", _collector(self.errors))]

    def add(self, name: str, source: Source) -> None:
        """Serve ``source``'s families as part ``name`` (in place of the part of that name,
        if there is one: a reload's)."""
        self.errors.counts.setdefault(name, 0)
        part = _Part(name, _text(source) if isinstance(source, TextSource)
                     else _collector(source))
        places = [i for i, each in enumerate(self._parts) if each.name == name]
        if places:
            self._parts[places[0]] = part
        else:
            self._parts.append(part)

    def remove(self, name: str) -> None:
        """Serve part ``name`` no more."""
        self._parts = [part for part in self._parts if part.name != name]

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The page and its Content-Type, for a request's Accept header."""
        _, content_type = choose_encoder(accept or "")
        openmetrics = content_type.startswith("application/openmetrics-text")
        bodies = [self._render(part, openmetrics) for part in self._parts]
        if openmetrics:
            bodies.append(EOF_LINE)
        return b"".join(bodies), content_type

    def _render(self, part: _Part, openmetrics: bool) -> bytes:
        try:
            body = part.render(openmetrics)
        except Exception:
            self.errors.counts[part.name] += 1
            if not part.failing:
                log.exception("/metrics: the %s metrics cannot be built; they are left out "
                              "until they can", part.name)
                part.failing = True
            return b""
        if part.failing:
            log.info("/metrics: the %s metrics are built again", part.name)
            part.failing = False
        return body
