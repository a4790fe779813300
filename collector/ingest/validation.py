"""Strict reading of a pushed report: only the families and labels the protocol defines.

Anything else is refused with a reason from a small fixed set and a message that quotes, in
shortened form, what was wrong; nothing an agent sends becomes a label name or a log line
unchecked.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from pantau_wire.agent_report import FAMILY_BY_NAME, FORMAT_VERSION, Rejection, escape_label

MAX_LABEL_VALUE = 256
_KEYS = frozenset({"version", "seq", "timestamp", "boot_time", "dropped", "samples"})
_MAX_SEQ = 2**63 - 1
EARLIEST = 946_684_800.0
"""2000-01-01: a report or boot time before it is a clock that was never set."""
LATEST = 4_102_444_800.0
"""2100-01-01."""
SEQ_AHEAD = 86_400 * 1000
"""How far a sequence number may run ahead of its report's time in milliseconds: agents
number from their clock in milliseconds, one more per report. Past that it is no agent's,
and would make every later report look old."""

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
    escaped: int = 0
    """Label values that had to be escaped (not UTF-8, control characters)."""


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
        raise Rejected(Rejection.MALFORMED, f"the body is not JSON: {quote(str(err))}") from None
    except RecursionError:
        raise Rejected(Rejection.MALFORMED, "the body is JSON nested too deeply") from None
    if not isinstance(raw, dict):
        raise Rejected(Rejection.MALFORMED, "the body must be a JSON object")
    if set(raw) != _KEYS:
        missing, extra = sorted(_KEYS - set(raw)), sorted(set(raw) - _KEYS)
        raise Rejected(Rejection.INVALID,
                       f"report keys: missing {missing or 'none'}, unknown {quote(extra)}")
    if type(raw["version"]) is not int or raw["version"] != FORMAT_VERSION:
        raise Rejected(Rejection.INVALID, f"report version {quote(raw['version'])} is not "
                       f"supported (this collector reads version {FORMAT_VERSION})")
    seq = _integer(raw["seq"], "seq", _MAX_SEQ)
    dropped = _integer(raw["dropped"], "dropped", _MAX_SEQ)
    timestamp = _time(raw["timestamp"], "timestamp")
    boot_time = _time(raw["boot_time"], "boot_time")
    if boot_time > timestamp:
        raise Rejected(Rejection.INVALID, f"boot_time {boot_time:.0f} is after the report's "
                       f"timestamp {timestamp:.0f}")
    if seq > timestamp * 1000 + SEQ_AHEAD:
        raise Rejected(Rejection.INVALID, f"seq {seq} is beyond what the agent's clock allows "
                       f"(its timestamp {timestamp:.0f} in milliseconds, and a day more)")
    samples = raw["samples"]
    if not isinstance(samples, list):
        raise Rejected(Rejection.INVALID, "samples must be a list")
    if len(samples) > max_samples:
        raise Rejected(Rejection.TOO_LARGE,
                       f"{len(samples)} samples, more than the {max_samples} allowed")
    families: dict[str, list[Series]] = {name: [] for name in FAMILY_BY_NAME}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    escaped = 0
    for index, sample in enumerate(samples):
        name, values, value, changed = _sample(sample, index)
        escaped += changed
        if (name, values) in seen:
            raise Rejected(Rejection.INVALID, f"samples[{index}]: {name} with these labels "
                           "appears twice")
        seen.add((name, values))
        families[name].append((values, value))
    return Report(seq, timestamp, boot_time, dropped,
                  {name: series for name, series in families.items() if series}, escaped)


def _sample(sample: object, index: int) -> tuple[str, tuple[str, ...], float, int]:
    """The sample's family, label values (escaped), value, and how many labels were
    escaped."""
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
    values = []
    for key in family.labels:
        text = labels[key]
        if not isinstance(text, str) or len(text) > MAX_LABEL_VALUE:
            raise Rejected(Rejection.INVALID, f"{where}: label {key} must be a string of at "
                           f"most {MAX_LABEL_VALUE} characters, got {quote(text)}")
        values.append(escape_label(text))
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(Rejection.INVALID, f"{where}: the value must be a finite number, "
                       f"got {quote(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise Rejected(Rejection.INVALID, f"{where}: the value must be a finite number, "
                       f"got {quote(value)}")
    if family.type == "counter" and number < 0:
        raise Rejected(Rejection.INVALID, f"{where}: {name} is a counter and cannot be "
                       f"negative, got {quote(value)}")
    changed = sum(1 for key, text in zip(family.labels, values, strict=True)
                  if text != labels[key])
    return name, tuple(values), number, changed


def _integer(value: object, key: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise Rejected(Rejection.INVALID, f"{key} must be a whole number from 0 to {maximum}, "
                       f"got {quote(value)}")
    return value


def _time(value: object, key: str) -> float:
    try:
        seconds = float(value) if isinstance(value, int | float) and not isinstance(
            value, bool) else math.nan
    except OverflowError:
        seconds = math.nan
    if not EARLIEST <= seconds <= LATEST:
        raise Rejected(Rejection.INVALID, f"{key} must be a Unix time between 2000 and 2100, "
                       f"got {quote(value)}")
    return seconds
