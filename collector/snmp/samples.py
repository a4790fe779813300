"""What a poll yields: samples with snmp_exporter's names and labels, and the poll's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from collector.snmp.client import SnmpErrorKind
from collector.snmp.profiles import ValueType

Labels = tuple[tuple[str, str], ...]

# Text from devices ends up in label values: keep it bounded.
MAX_LABEL_LENGTH = 256


class Sample(NamedTuple):
    """One value read from a device. A tuple: a poll makes one per value it reads."""

    name: str
    labels: Labels
    value: float
    type: ValueType
    help: str


@dataclass(frozen=True)
class InterfaceStatus:
    """An interface's names and oper status (1 up, 2 down, ...), for links that name it."""

    if_name: str
    if_alias: str
    oper_status: int


@dataclass(frozen=True)
class DevicePoll:
    site: str
    device: str
    at: float
    duration: float
    error: SnmpErrorKind | None = None
    detail: str = ""
    samples: tuple[Sample, ...] = ()
    uptime_ticks: int | None = None
    uptime_read_at: float = 0.0
    """When sysUpTime was read (Unix time), which a poll's end may be well after."""
    interfaces: tuple[InterfaceStatus, ...] = ()
    varbinds: int = 0
    requests: int = 0
    malformed: int = 0
    discovered: bool = False


def text_of(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip("\x00")[:MAX_LABEL_LENGTH]
    if isinstance(value, str):
        return value[:MAX_LABEL_LENGTH]
    return None


def mac_of(value: object) -> str | None:
    if isinstance(value, bytes):
        return ":".join(f"{octet:02x}" for octet in value)
    return None
