"""What a satellite collector sends the core: batches of timestamped observations.

A satellite probes the sites near it with the probe kinds the core has, and sends what each
check found, in order, to ``/api/v1/satellites/<name>/observations`` (gzip-encoded JSON, a
bearer token per satellite); the core evaluates them as its own. A batch is

    {"version": 1, "observations": [
        {"seq": 17, "kind": "icmp", "at": 1796684321.29, "site": "hotspot-a", "body": {...}},
        ...]}

``seq`` numbers a satellite's observations (one more each, kept through its restarts), so
the core takes each once and knows what a gap or a replay holds; ``at`` is when the check
ended, by the satellite's clock; ``body`` is the kind's own result (its wire form lives with
the kind). This module reads the envelope strictly and bounds it; the kinds read their
bodies. Standard library only, like everything both ends import.
"""

from __future__ import annotations

import json
import math

FORMAT_VERSION = 1
OBSERVATIONS_PATH = "/api/v1/satellites/{satellite}/observations"
MAX_OBSERVATIONS = 5000
"""In one batch: a satellite's spool is sent in batches of at most this many."""
EARLIEST = 946_684_800.0
"""2000-01-01: an observation dated before it comes from a clock that was never set."""
LATEST = 4_102_444_800.0
"""2100-01-01."""
MAX_SEQ = 2**63 - 1
MAX_DEPTH = 8
"""JSON nested deeper than this is no batch of Pantau's (and would cost the parser)."""
_ENVELOPE = frozenset({"version", "observations"})
_OBSERVATION = frozenset({"seq", "kind", "at", "site", "body"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


class Refusal:
    """Why the core refuses a batch: the ``error`` of its JSON answer, and a label value."""

    BAD_TOKEN = "bad_token"
    UNKNOWN_SATELLITE = "unknown_satellite"
    WRONG_SITE = "wrong_site"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    INVALID = "invalid"
    SLOW = "slow"
    ALL = (BAD_TOKEN, UNKNOWN_SATELLITE, WRONG_SITE, TOO_LARGE, MALFORMED, INVALID, SLOW)


class BatchError(ValueError):
    """A batch that is not one: the message says what, quoting no more than a little."""


def encode_batch(observations: list[dict[str, object]]) -> bytes:
    """A batch's JSON text (the sender compresses it)."""
    return json.dumps({"version": FORMAT_VERSION, "observations": observations},
                      separators=(",", ":"), allow_nan=False).encode()


def observation(seq: int, kind: str, at: float, site: str,
                body: dict[str, object]) -> dict[str, object]:
    return {"seq": seq, "kind": kind, "at": at, "site": site, "body": body}


def parse_batch(data: bytes, kinds: frozenset[str]) -> list[dict[str, object]]:
    """The observations of a batch, in order, each with its envelope checked: known keys
    only, ``seq`` a non-negative integer rising through the batch, ``kind`` one of ``kinds``,
    ``at`` a finite time between 2000 and 2100, ``site`` a name, ``body`` an object."""
    try:
        document = json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise BatchError(f"not JSON: {_short(err)}") from None
    if _depth(document) > MAX_DEPTH:
        raise BatchError(f"nested deeper than {MAX_DEPTH}")
    if not isinstance(document, dict) or set(document) != _ENVELOPE:
        raise BatchError(f"expected an object with keys {sorted(_ENVELOPE)}")
    if document["version"] != FORMAT_VERSION or isinstance(document["version"], bool):
        raise BatchError(f"version must be {FORMAT_VERSION}")
    items = document["observations"]
    if not isinstance(items, list) or not items:
        raise BatchError("observations must be a non-empty list")
    if len(items) > MAX_OBSERVATIONS:
        raise BatchError(f"more than {MAX_OBSERVATIONS} observations")
    last = -1
    for index, item in enumerate(items):
        where = f"observations[{index}]"
        if not isinstance(item, dict) or set(item) != _OBSERVATION:
            raise BatchError(f"{where}: expected an object with keys {sorted(_OBSERVATION)}")
        seq = item["seq"]
        if not _integer(seq) or not 0 <= seq <= MAX_SEQ:
            raise BatchError(f"{where}.seq: expected an integer from 0")
        if seq <= last:
            raise BatchError(f"{where}.seq: {seq} does not follow {last}")
        last = seq
        if item["kind"] not in kinds:
            raise BatchError(f"{where}.kind: expected one of {', '.join(sorted(kinds))}")
        at = item["at"]
        if not _number(at) or not EARLIEST <= at <= LATEST:
            raise BatchError(f"{where}.at: expected a Unix time between 2000 and 2100")
        if not is_name(item["site"]):
            raise BatchError(f"{where}.site: expected a site's name")
        if not isinstance(item["body"], dict):
            raise BatchError(f"{where}.body: expected an object")
    return items


def is_name(value: object) -> bool:
    """A name as the config allows them: lower-case letters, digits, - and _, starting with a
    letter or digit, at most 63 characters."""
    return (isinstance(value, str) and 0 < len(value) <= 63 and value[0] not in "-_"
            and set(value) <= _NAME_CHARS)


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _depth(value: object, level: int = 1) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
