"""SNMP devices as metric families: MIB objects under snmp_exporter's names, and how each
device's polls are going.

MIB counters are exposed untyped: the Prometheus client would otherwise append `_total`,
and dashboards written for snmp_exporter query `ifHCInOctets`, not `ifHCInOctets_total`.
A device whose last poll failed exports no MIB series, so they go stale in Prometheus
rather than repeat old values.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.utils import floatToGoString

from collector.exposition.text import COUNTER, GAUGE, UNTYPED, Family, LabelSet, escape
from collector.probes import ProbeContext
from collector.snmp.client import SnmpErrorKind
from collector.snmp.profiles import ValueType
from collector.snmp.state import DevicePoll, SnmpState

DEVICE_LABELS = ["site", "device"]
FROM_LAST_POLL = " (from the last poll; see pantau_snmp_last_poll_timestamp_seconds)"
_TYPES = {ValueType.GAUGE: GAUGE, ValueType.COUNTER: UNTYPED, ValueType.TEXT: GAUGE,
          ValueType.MAC: GAUGE, ValueType.ENUM_INFO: GAUGE}
KINDS = [kind.value for kind in SnmpErrorKind]


def build_collector(context: ProbeContext) -> SnmpText:
    return SnmpText(context.snmp)


class _Rendered:
    """A device's MIB series from one poll, written once: the lines by family, and each
    family's help and type."""

    def __init__(self, site: str, device: str, poll: DevicePoll) -> None:
        self.poll = poll
        self.lines: dict[str, list[str]] = {}
        self.kinds: dict[str, tuple[str, str]] = {}
        head = LabelSet(DEVICE_LABELS, [site, device]).open
        for sample in poll.samples:
            lines = self.lines.get(sample.name)
            if lines is None:
                lines = self.lines[sample.name] = []
                self.kinds[sample.name] = (_TYPES[sample.type],
                                           (sample.help or sample.name) + FROM_LAST_POLL)
            extra = "".join(f',{name}="{escape(value)}"' for name, value in sample.labels)
            lines.append(f"{sample.name}{head}{extra}}} {floatToGoString(sample.value)}\n")


class SnmpText:
    """Polls' figures per device, and the devices' MIB series, each device's written once
    per poll and kept until the next."""

    def __init__(self, state: SnmpState) -> None:
        self._state = state
        self._rendered: dict[tuple[str, str], _Rendered] = {}
        self._labels: dict[tuple[str, str], tuple[LabelSet, list[str]]] = {}

    def families(self) -> Iterator[Family]:
        yield from self._polls()
        yield from self._mib()

    def _mib(self) -> Iterator[Family]:
        families: dict[str, Family] = {}
        kept: dict[tuple[str, str], _Rendered] = {}
        for key, record in self._state.devices.items():
            poll = record.last
            if poll is None or poll.error is not None:
                continue
            rendered = self._rendered.get(key)
            if rendered is None or rendered.poll is not poll:
                rendered = _Rendered(*key, poll)
            kept[key] = rendered
            for name, lines in rendered.lines.items():
                family = families.get(name)
                if family is None:
                    kind, text = rendered.kinds[name]
                    family = families[name] = Family(name, kind, text)
                family.lines += lines
        self._rendered = kept
        yield from families.values()

    def _labels_of(self, key: tuple[str, str]) -> tuple[LabelSet, list[str]]:
        """A device's labels, and with each error kind, escaped once."""
        found = self._labels.get(key)
        if found is None:
            device = LabelSet(DEVICE_LABELS, list(key))
            found = self._labels[key] = (device, [device.plus("kind", kind) for kind in KINDS])
        return found

    def _polls(self) -> Iterator[Family]:
        success = Family("pantau_snmp_poll_success", GAUGE,
                         "1 if the device's last poll succeeded")
        error = Family("pantau_snmp_poll_error", GAUGE,
                       "1 for the kind of error the device's last poll ended with, 0 for the "
                       "others")
        duration = Family("pantau_snmp_poll_duration_seconds", GAUGE,
                          "How long the device's last poll took")
        last = Family("pantau_snmp_last_poll_timestamp_seconds", GAUGE,
                      "When the device's last poll ended (Unix time)")
        polls = Family("pantau_snmp_polls", COUNTER, "Polls of the device")
        errors = Family("pantau_snmp_poll_errors", COUNTER,
                        "Failed polls of the device, by kind of error")
        requests = Family("pantau_snmp_requests", COUNTER,
                          "SNMP requests (PDUs) sent to the device")
        varbinds = Family("pantau_snmp_varbinds", COUNTER,
                          "Variable bindings received from the device")
        malformed = Family("pantau_snmp_malformed_values", COUNTER,
                           "Values of an unexpected type that were skipped")
        reboots = Family("pantau_snmp_device_reboots", COUNTER,
                         "Restarts of the device (or its agent), seen as sysUpTime going back")
        for key, record in self._state.devices.items():
            labels, by_kind = self._labels_of(key)
            polls.add(labels, record.polls)
            requests.add(labels, record.requests)
            varbinds.add(labels, record.varbinds)
            malformed.add(labels, record.malformed)
            reboots.add(labels, record.reboots)
            for kind, text in zip(SnmpErrorKind, by_kind, strict=True):
                errors.add(text, record.failures.get(kind, 0))
            poll = record.last
            if poll is None:
                continue
            success.add(labels, float(poll.error is None))
            for kind, text in zip(SnmpErrorKind, by_kind, strict=True):
                error.add(text, float(poll.error is kind))
            duration.add(labels, poll.duration)
            last.add(labels, poll.at)
        yield from (success, error, duration, last, polls, errors, requests, varbinds,
                    malformed, reboots)
