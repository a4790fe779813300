"""Reading a collector's /metrics over real HTTP."""

from __future__ import annotations

import ssl
import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


def scrape(url: str, timeout: float = 5, context: ssl.SSLContext | None = None) -> str:
    with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
        return response.read().decode()


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample with that name whose labels include ``labels``."""
    found = [s.value for s in samples(text)
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    if len(found) > 1:
        raise AssertionError(f"{name}{labels} matches {len(found)} samples")
    return found[0] if found else None
