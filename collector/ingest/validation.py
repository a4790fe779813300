"""Strict reading of a pushed report: only the families and labels the protocol defines.

Anything else is refused with a reason from a small fixed set and a message that quotes, in
shortened form, what was wrong; nothing an agent sends becomes a label name or a log line
unchecked.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from pantau_wire.agent_report import FAMILY_BY_NAME, FORMAT_VERSION, Rejection

MAX_LABEL_VALUE = 256
_KEYS = frozenset({"version", "seq", "timestamp", "boot_time", "dropped", "samples"})
_MAX_SEQ = 2**63 - 1

Series = tuple[tuple[str, ...], float]
"""Label values in the order of the family's labels, and the value."""


class Rejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Report:
    seq: int
    timestamp: float
    boot_time: float
    dropped: int
    families: dict[str, list[Series]]
    """Samples by family name, in the order of ``pantau_wire.agent_report.FAMILIES``."""


def quote(value: object, limit: int = 60) -> str:
    """``value`` shortened and quoted, safe to put in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _no_constant(name: str) -> float:
    raise Rejected(Rejection.INVALID, f"{name} is not a finite number")


def parse_report(data: bytes, max_samples: int) -> Report:
    """Validate a report's JSON; raises Rejected naming the first problem found."""
    try:
        raw = json.loads(data, parse_constant=_no_constant)
    except ValueError as err:
        raise Rejected(Rejection.MALFORMED, f"the body is not JSON: {err}") from None
    if not isinstance(raw, dict):
        raise Rejected(Rejection.MALFORMED, "the body must be a JSON object")
    if set(raw) != _KEYS:
        missing, extra = sorted(_KEYS - set(raw)), sorted(set(raw) - _KEYS)
        raise Rejected(Rejection.INVALID,
                       f"report keys: missing {missing or 'none'}, unknown {quote(extra)}")
    if raw["version"] != FORMAT_VERSION:
        raise Rejected(Rejection.INVALID, f"report version {quote(raw['version'])} is not "
                       f"supported (this collector reads version {FORMAT_VERSION})")
    seq = _integer(raw["seq"], "seq", _MAX_SEQ)
    dropped = _integer(raw["dropped"], "dropped", _MAX_SEQ)
    timestamp = _time(raw["timestamp"], "timestamp")
    boot_time = _time(raw["boot_time"], "boot_time")
    samples = raw["samples"]
    if not isinstance(samples, list):
        raise Rejected(Rejection.INVALID, "samples must be a list")
    if len(samples) > max_samples:
        raise Rejected(Rejection.TOO_LARGE,
                       f"{len(samples)} samples, more than the {max_samples} allowed")
    families: dict[str, list[Series]] = {name: [] for name in FAMILY_BY_NAME}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for index, sample in enumerate(samples):
        name, values, value = _sample(sample, index)
        if (name, values) in seen:
            raise Rejected(Rejection.INVALID, f"samples[{index}]: {name} with these labels "
                           "appears twice")
        seen.add((name, values))
        families[name].append((values, value))
    return Report(seq, timestamp, boot_time, dropped,
                  {name: series for name, series in families.items() if series})


def _sample(sample: object, index: int) -> tuple[str, tuple[str, ...], float]:
    where = f"samples[{index}]"
    if not isinstance(sample, list) or len(sample) != 3:
        raise Rejected(Rejection.INVALID, f"{where}: expected [name, labels, value]")
    name, labels, value = sample
    family = FAMILY_BY_NAME.get(name) if isinstance(name, str) else None
    if family is None:
        raise Rejected(Rejection.INVALID, f"{where}: {quote(name)} is not a metric family "
                       "agents may send")
    if not isinstance(labels, dict) or set(labels) != set(family.labels):
        raise Rejected(Rejection.INVALID, f"{where}: {name} takes the labels "
                       f"{list(family.labels)}, got {quote(labels)}")
    for key in family.labels:
        text = labels[key]
        if not isinstance(text, str) or len(text) > MAX_LABEL_VALUE:
            raise Rejected(Rejection.INVALID, f"{where}: label {key} must be a string of at "
                           f"most {MAX_LABEL_VALUE} characters, got {quote(text)}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Rejected(Rejection.INVALID, f"{where}: the value must be a finite number, "
                       f"got {quote(value)}")
    return name, tuple(labels[key] for key in family.labels), float(value)


def _integer(value: object, key: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise Rejected(Rejection.INVALID, f"{key} must be a whole number from 0 to {maximum}, "
                       f"got {quote(value)}")
    return value


def _time(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value > 0):
        raise Rejected(Rejection.INVALID, f"{key} must be a positive Unix time, "
                       f"got {quote(value)}")
    return float(value)
