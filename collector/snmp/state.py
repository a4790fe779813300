"""What the collector knows of each SNMP device: its last poll, its errors, its reboots.

Errors are logged once per change of kind, not at every failed poll. A reboot is a sysUpTime
that went back, told apart from the counter's wrap after 497 days and from a poll that read
nothing; each is counted and kept as an event for alerting and reports.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from collector.config import CollectorConfig, Device
from collector.snmp.client import SnmpErrorKind
from collector.snmp.samples import DevicePoll

log = logging.getLogger(__name__)

TICKS_PER_SECOND = 100
TIMETICKS_WRAP = 2**32
# Between two reads sysUpTime and our clock drift apart a little (allow 0.1 %), and the
# kernel may hold a reply a moment: a real restart falls far short of both.
_SLACK_TICKS = 2 * TICKS_PER_SECOND
_DRIFT = 0.001
_MAX_EVENTS = 1000


@dataclass(frozen=True)
class RebootEvent:
    site: str
    device: str
    detected_at: float
    booted_at: float
    """Estimated from the new sysUpTime: when the device (or its agent) started again."""
    uptime_before: float
    """Seconds the device had been up at the last poll before the reboot."""


@dataclass
class DeviceRecord:
    site: str
    device: Device
    last: DevicePoll | None = None
    last_success: DevicePoll | None = None
    polls: int = 0
    failures: dict[SnmpErrorKind, int] = field(default_factory=dict)
    varbinds: int = 0
    requests: int = 0
    malformed: int = 0
    reboots: int = 0
    uptime: tuple[int, float] | None = None
    """Last sysUpTime read (ticks) and when."""

    @property
    def error(self) -> SnmpErrorKind | None:
        return self.last.error if self.last else None


def rebooted(before: tuple[int, float], ticks: int, at: float) -> bool:
    """Whether sysUpTime ``ticks`` read at ``at`` means a restart since ``before``."""
    previous, previous_at = before
    elapsed = (at - previous_at) * TICKS_PER_SECOND
    expected = previous + elapsed
    slack = _SLACK_TICKS + _DRIFT * elapsed
    if ticks + slack >= expected:
        return False
    # TimeTicks is 32 bits: after 497 days it wraps to 0 without any restart.
    wrapped = expected - TIMETICKS_WRAP
    return not (wrapped >= -slack and abs(ticks - wrapped) <= slack)


class SnmpState:
    def __init__(self, config: CollectorConfig, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.devices: dict[tuple[str, str], DeviceRecord] = {
            (site.name, device.name): DeviceRecord(site.name, device)
            for site in config.sites for device in site.devices}
        self.events: deque[RebootEvent] = deque(maxlen=_MAX_EVENTS)

    def adopt(self, old: SnmpState) -> None:
        """Take over from ``old`` (before a reload) the devices this config still polls:
        their last polls, counts and uptimes; and the reboots seen."""
        for key, record in self.devices.items():
            before = old.devices.get(key)
            if before is not None:
                before.device = record.device
                self.devices[key] = before
        self.events = old.events

    def record(self, poll: DevicePoll) -> RebootEvent | None:
        record = self.devices[(poll.site, poll.device)]
        previous_error = record.error
        record.polls += 1
        record.last = poll
        record.varbinds += poll.varbinds
        record.requests += poll.requests
        record.malformed += poll.malformed
        if poll.error is not None:
            record.failures[poll.error] = record.failures.get(poll.error, 0) + 1
            if poll.error is not previous_error:
                # Text from the device or the library is quoted: it is not ours.
                log.warning("SNMP device %s/%s: %s (%r)", poll.site, poll.device,
                            poll.error.value, poll.detail)
            return None
        if previous_error is not None:
            log.info("SNMP device %s/%s answers again", poll.site, poll.device)
        record.last_success = poll
        return self._check_reboot(record, poll)

    def _check_reboot(self, record: DeviceRecord, poll: DevicePoll) -> RebootEvent | None:
        ticks = poll.uptime_ticks
        # No value, or a zero some agents answer while they start, says nothing.
        if ticks is None or ticks == 0:
            return None
        at = poll.uptime_read_at or poll.at
        before, record.uptime = record.uptime, (ticks, at)
        if before is None or not rebooted(before, ticks, at):
            return None
        record.reboots += 1
        event = RebootEvent(poll.site, poll.device, poll.at,
                            poll.at - ticks / TICKS_PER_SECOND,
                            before[0] / TICKS_PER_SECOND)
        self.events.append(event)
        log.warning("SNMP device %s/%s restarted (sysUpTime %.0f s, was %.0f s)",
                    poll.site, poll.device, ticks / TICKS_PER_SECOND, event.uptime_before)
        return event

    def interface_up(self, site: str, device: str, name: str) -> bool | None:
        """Whether the device's interface called ``name`` (ifName or ifAlias) is oper up,
        as of the last poll; None while the device does not answer or has no such one."""
        record = self.devices.get((site, device))
        if record is None or record.last is None or record.last.error is not None:
            return None
        for interface in record.last.interfaces:
            if name in (interface.if_name, interface.if_alias):
                return interface.oper_status == 1
        return None
