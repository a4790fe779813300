"""The Grafana dashboards, the Prometheus rules and the metric catalogue, read for tests: every
query a panel or a variable runs, the variables it uses, and the metric names in it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "grafana" / "dashboards"
RULES = ROOT / "prometheus" / "rules"
CATALOGUE = ROOT / "docs" / "metrics.md"

# Grafana's own variables ($__rate_interval, $__range, ...) all begin with two underscores.
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_TOKEN = re.compile(r"(?P<number>(?:\d+(?:ms|[smhdwy]))+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
                    r"|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)(?P<call>\s*\()?")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "start", "end",
             "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
             "bottomk", "topk", "quantile"}
_LABEL_VALUES = re.compile(r"^\s*label_values\((?:(?P<selector>.*),)?\s*(?P<label>\w+)\s*\)\s*$",
                           re.DOTALL)


@dataclass(frozen=True)
class Query:
    """One PromQL query of a dashboard: a panel's target, or a variable's query."""

    dashboard: str
    where: str  # "panel 'Title' A" or "variable site"
    expr: str
    instant: bool = False


def dashboards() -> dict[str, dict]:
    """File name -> parsed dashboard, for every grafana/dashboards/*.json."""
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def panels(board: dict) -> Iterator[dict]:
    """Every panel, those inside collapsed rows too."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def variables(board: dict) -> list[dict]:
    return board.get("templating", {}).get("list", [])


def variable_query(variable: dict) -> str:
    query = variable.get("query", "")
    return query.get("query", "") if isinstance(query, dict) else query


def panel_queries(name: str, board: dict) -> list[Query]:
    return [Query(name, f"panel {panel['title']!r} {target['refId']}", target["expr"],
                  bool(target.get("instant")))
            for panel in panels(board) for target in panel.get("targets", [])]


def variable_queries(name: str, board: dict) -> list[Query]:
    return [Query(name, f"variable {v['name']}", variable_query(v))
            for v in variables(board) if v.get("type") == "query"]


def label_values(query: str) -> tuple[str, str]:
    """``label_values(selector, label)`` -> (selector, label); selector may be empty."""
    match = _LABEL_VALUES.match(query)
    if match is None:
        raise ValueError(f"not a label_values() query: {query!r}")
    return (match["selector"] or "").strip(), match["label"]


def used_variables(text: str) -> set[str]:
    """Dashboard variables referenced in ``text``, Grafana's own ``$__...`` left out."""
    names = (next(filter(None, match.groups())) for match in _VARIABLE.finditer(text))
    return {name for name in names if not name.startswith("__")}


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (label_values() queries too)."""
    if expr.lstrip().startswith("label_values("):
        expr = label_values(expr)[0]
    text = _VARIABLE.sub(" ", _STRING.sub('""', expr))
    text = _LABEL_LIST.sub(" ", _RANGE.sub(" ", _MATCHERS.sub(" ", text)))
    names = set()
    for token in _TOKEN.finditer(text):
        name = token["name"]
        if name and not token["call"] and name not in _KEYWORDS:
            names.add(name)
    return names


def catalogue() -> dict[str, str]:
    """Metric name -> type, from every table of docs/metrics.md."""
    rows = re.findall(r"^\|\s*`([^`]+)`\s*\|\s*(\w+)\s*\|", CATALOGUE.read_text(), re.MULTILINE)
    return dict(rows)


def served_names() -> set[str]:
    """Names a Prometheus scraping the collector holds: the catalogue's, with a histogram's
    ``_bucket``, ``_sum`` and ``_count`` series."""
    names = set()
    for name, kind in catalogue().items():
        names.add(name)
        if kind == "histogram":
            names.update(f"{name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
    return names


def rule_groups() -> dict[str, list[dict]]:
    """Rule file name -> its groups."""
    return {path.name: yaml.safe_load(path.read_text())["groups"]
            for path in sorted(RULES.glob("*.yml"))}


def rules() -> list[dict]:
    return [rule for groups in rule_groups().values() for group in groups
            for rule in group["rules"]]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}
