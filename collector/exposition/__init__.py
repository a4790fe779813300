"""Turning the collector's state into Prometheus metric families.

The only package that knows metric names; one module per part of the state. Families are
built fresh on every ``collect()``, so what leaves the config leaves /metrics too.
"""

from collector.exposition.links import LinkCollector

__all__ = ["LinkCollector"]
