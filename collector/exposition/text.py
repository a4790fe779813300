"""The exposition formats written directly, for the families with a series per ping target or
per interface: tens of thousands of series, where prometheus_client's generic path (a Sample
and a label dict per series, labels sorted and escaped at every scrape) costs more than the
round that measured them.

A `Family` keeps its samples as text lines. Labels are escaped once per entity (a target, an
interface) into a `LabelSet`, whose text is reused for every series and every scrape; values
go through prometheus_client's own `floatToGoString`, so a number reads the same as on its
path. The same lines serve both formats Prometheus negotiates: the text format 0.0.4 and
OpenMetrics 1.0 differ here only in the family's header (a counter's name there has no
`_total`) and in OpenMetrics' closing `# EOF`, which the page adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prometheus_client.utils import floatToGoString

COUNTER, GAUGE, HISTOGRAM, UNTYPED = "counter", "gauge", "histogram", "unknown"


def escape(value: str) -> str:
    """A label value as both formats want it between its quotes."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class LabelSet:
    """Labels of one entity, escaped once: ``text`` is ``{a="x",b="y"}``, ``open`` the same
    without its closing brace (for a histogram's ``le``)."""

    __slots__ = ("open", "text")

    def __init__(self, names: Sequence[str], values: Sequence[str]) -> None:
        inner = ",".join(f'{name}="{escape(value)}"'
                         for name, value in zip(names, values, strict=True))
        self.open = "{" + inner
        self.text = self.open + "}" if inner else ""

    def plus(self, name: str, value: str) -> str:
        """The set with one label more, as text."""
        return f'{self.open}{"," if len(self.open) > 1 else ""}{name}="{escape(value)}"}}'


class Family:
    """One metric family: its header, and its samples as lines."""

    __slots__ = ("_sample", "help", "kind", "lines", "name")

    def __init__(self, name: str, kind: str, help: str) -> None:
        self.name, self.kind, self.help = name, kind, help
        self._sample = name + "_total" if kind == COUNTER else name
        self.lines: list[str] = []

    def add(self, labels: LabelSet | str, value: float) -> None:
        text = labels if isinstance(labels, str) else labels.text
        self.lines.append(f"{self._sample}{text} {floatToGoString(value)}\n")

    def add_histogram(self, labels: LabelSet, bounds: Sequence[str],
                      cumulative: Iterable[int], count: int, total: float) -> None:
        """A histogram's series: ``bounds`` as `le` writes them (without +Inf), their
        cumulative counts, the count (the +Inf bucket) and the sum."""
        name, head = self.name, labels.open + ("," if len(labels.open) > 1 else "")
        lines = self.lines
        for bound, value in zip(bounds, cumulative, strict=True):
            lines.append(f'{name}_bucket{head}le="{bound}"}} {floatToGoString(value)}\n')
        lines.append(f'{name}_bucket{head}le="+Inf"}} {floatToGoString(count)}\n')
        lines.append(f"{name}_count{labels.text} {floatToGoString(count)}\n")
        lines.append(f"{name}_sum{labels.text} {floatToGoString(total)}\n")

    def header(self, openmetrics: bool) -> str:
        if openmetrics:
            text = self.help.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
            return f"# HELP {self.name} {text}\n# TYPE {self.name} {self.kind}\n"
        name = self._sample
        kind = "untyped" if self.kind == UNTYPED else self.kind
        text = self.help.replace("\\", "\\\\").replace("\n", "\\n")
        return f"# HELP {name} {text}\n# TYPE {name} {kind}\n"

    def render(self, openmetrics: bool) -> str:
        return self.header(openmetrics) + "".join(self.lines)


def bounds(buckets: Iterable[float]) -> list[str]:
    """Bucket bounds as `le` is written."""
    return [floatToGoString(bound) for bound in buckets]
