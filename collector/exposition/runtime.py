"""The collector's own process as metric families, under the names every Python exporter uses
(`process_*`: CPU, memory, open files; `python_info`; `python_gc_*`), from prometheus_client's
own collectors."""

from __future__ import annotations

from prometheus_client import GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry


def runtime_collectors() -> list[tuple[str, Collector]]:
    """(part, collector) for the page, none of them registered anywhere else."""
    return [("process", ProcessCollector(registry=None)),
            ("python", PlatformCollector(registry=None)),
            # It will register itself somewhere: a registry of its own, never read.
            ("gc", GCCollector(registry=CollectorRegistry()))]
