"""A simulated device subtree for a real snmpd, through net-snmp's ``pass_persist`` protocol.

snmpd starts the program once (``pass_persist OID PROGRAM``) and talks to it over its stdin and
stdout for as long as it runs::

    python -m tests.support.snmp_sim SPEC.json

The spec maps instance OIDs to values; numeric values can fade, so a test sees a radio signal
getting worse over time without anything driving it::

    {"1.3.6.1.4.1.14988.1.1.1.1.1.4.7":
        {"type": "integer", "value": -55, "fade_per_second": -2.0, "floor": -95}}

A value is ``value + fade_per_second * seconds since the program started``, held between
``floor`` and ``ceiling`` when given, and wrapped like the SNMP type (counters wrap, gauges stop
at their ends). Every request is answered from that table; ``set`` is refused as not writable.
"""

from __future__ import annotations

import bisect
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# The spec's type names, and how pass_persist spells each on the wire.
WIRE_TYPES = {
    "integer": "integer",
    "gauge": "gauge",
    "counter32": "counter",
    "counter64": "counter64",
    "timeticks": "timeticks",
    "string": "string",
    "octet": "octet",
}
TEXT_TYPES = frozenset({"string", "octet"})
_LIMITS = {
    "integer": (-(2**31), 2**31 - 1),
    "gauge": (0, 2**32 - 1),
    "timeticks": (0, 2**32 - 1),
}
_WRAPS = {"counter32": 2**32, "counter64": 2**64}
_KEYS = frozenset({"type", "value", "fade_per_second", "floor", "ceiling"})

Oid = tuple[int, ...]


class SpecError(ValueError):
    """The spec cannot be served; the message names the OID and the rule."""


def parse_oid(text: str) -> Oid:
    """``.1.3.6.1`` or ``1.3.6.1`` as a tuple of integers, which compares the way SNMP orders."""
    parts = text.strip().strip(".").split(".")
    try:
        oid = tuple(int(part) for part in parts)
    except ValueError:
        raise SpecError(f"{text!r}: not a numeric OID") from None
    if any(arc < 0 for arc in oid):
        raise SpecError(f"{text!r}: not a numeric OID")
    return oid


def format_oid(oid: Oid) -> str:
    return "." + ".".join(str(arc) for arc in oid)


@dataclass(frozen=True)
class Entry:
    oid: Oid
    type: str
    value: int | float | str
    fade_per_second: float = 0.0
    floor: float | None = None
    ceiling: float | None = None

    def wire_value(self, elapsed: float) -> str:
        """The value line pass_persist sends, ``elapsed`` seconds after the start."""
        if self.type == "string":
            return str(self.value)
        if self.type == "octet":
            return " ".join(f"{byte:02X}" for byte in _hex_bytes(str(self.value)))
        raw = float(self.value) + self.fade_per_second * elapsed
        if self.floor is not None:
            raw = max(self.floor, raw)
        if self.ceiling is not None:
            raw = min(self.ceiling, raw)
        number = math.floor(raw + 0.5)
        if self.type in _WRAPS:
            return str(number % _WRAPS[self.type])
        low, high = _LIMITS[self.type]
        return str(min(high, max(low, number)))


def _hex_bytes(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", "").replace(" ", ""))


def entry_from_spec(oid_text: str, fields: Mapping[str, Any]) -> Entry:
    where = oid_text
    unknown = set(fields) - _KEYS
    if unknown:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)} (known: {sorted(_KEYS)})")
    kind = fields.get("type")
    if kind not in WIRE_TYPES:
        raise SpecError(f"{where}: type {kind!r} is not one of {sorted(WIRE_TYPES)}")
    if "value" not in fields:
        raise SpecError(f"{where}: no value")
    value = fields["value"]
    moving = {key for key in ("fade_per_second", "floor", "ceiling") if key in fields}
    if kind in TEXT_TYPES:
        if moving:
            raise SpecError(f"{where}: {sorted(moving)} only apply to numeric types")
        if not isinstance(value, str) or "\n" in value:
            raise SpecError(f"{where}: a {kind} value is one line of text, got {value!r}")
        if kind == "octet":
            try:
                _hex_bytes(value)
            except ValueError:
                raise SpecError(f"{where}: octet value {value!r} is not hex") from None
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: a {kind} value is a number, got {value!r}")
    return Entry(parse_oid(oid_text), kind, value, float(fields.get("fade_per_second", 0.0)),
                 fields.get("floor"), fields.get("ceiling"))


class OidTable:
    """Entries in SNMP order, answering get and getnext as an agent would."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        by_oid: dict[Oid, Entry] = {}
        for entry in entries:
            if entry.oid in by_oid:
                raise SpecError(f"{format_oid(entry.oid)}: given twice")
            by_oid[entry.oid] = entry
        self._oids = sorted(by_oid)
        self._entries = by_oid

    @classmethod
    def from_spec(cls, spec: Mapping[str, Mapping[str, Any]]) -> OidTable:
        return cls(entry_from_spec(oid, fields) for oid, fields in spec.items())

    def __len__(self) -> int:
        return len(self._oids)

    def get(self, oid: Oid) -> Entry | None:
        return self._entries.get(oid)

    def next_after(self, oid: Oid) -> Entry | None:
        """The first entry strictly after ``oid`` in lexicographic order of the arcs."""
        position = bisect.bisect_right(self._oids, oid)
        return self._entries[self._oids[position]] if position < len(self._oids) else None


def serve(table: OidTable, requests: IO[str], replies: IO[str],
          clock: Callable[[], float] = time.monotonic) -> None:
    """Answer snmpd's requests until it closes the pipe or sends an empty line."""
    started = clock()

    def reply(*lines: str) -> None:
        replies.write("".join(f"{line}\n" for line in lines))
        replies.flush()

    def answer(entry: Entry | None) -> None:
        if entry is None:
            reply("NONE")
        else:
            reply(format_oid(entry.oid), WIRE_TYPES[entry.type],
                  entry.wire_value(clock() - started))

    while True:
        command = requests.readline()
        if not command.strip():
            return
        command = command.strip().lower()
        if command == "ping":
            reply("PONG")
            continue
        oid_line = requests.readline()
        if not oid_line:
            return
        try:
            oid = parse_oid(oid_line)
        except SpecError:
            oid = None
        if command == "set":
            requests.readline()  # the "TYPE VALUE" line of the set
            reply("not-writable")
        elif oid is None:
            reply("NONE")
        elif command == "get":
            answer(table.get(oid))
        elif command == "getnext":
            answer(table.next_after(oid))
        else:
            reply("NONE")


def load(path: str | Path) -> OidTable:
    try:
        spec = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SpecError(f"{path}: {exc}") from exc
    if not isinstance(spec, dict):
        raise SpecError(f"{path}: the spec is an object of OID: entry")
    try:
        return OidTable.from_spec(spec)
    except SpecError as exc:
        raise SpecError(f"{path}: {exc}") from exc


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.support.snmp_sim SPEC.json", file=sys.stderr)
        return 2
    try:
        table = load(argv[0])
    except SpecError as exc:
        # snmpd shows a pass_persist program's stderr in its own log.
        print(f"snmp_sim: {exc}", file=sys.stderr)
        return 2
    serve(table, sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
