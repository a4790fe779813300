"""SNMP polls: every device's `interval`, one poll of its profiles; the device's state keeps
what it read, and the links that ride its interfaces follow their oper status."""

from __future__ import annotations

from dataclasses import dataclass

from collector.config import CollectorConfig
from collector.probes.base import Outcome, ProbeContext, ProbeKind, Scheduled
from collector.snmp.poller import SnmpPoller
from collector.snmp.samples import DevicePoll
from collector.snmp.state import SnmpState
from collector.state import StateStore
from collector.topology import Topology

# SNMP polls have no jitter setting; spreading the first ones over this keeps a large
# network from being walked all at once when the collector starts.
FIRST_POLL_SPREAD = 10.0


@dataclass(frozen=True)
class DeviceSpec:
    site: str
    device: str


def schedule(config: CollectorConfig) -> list[Scheduled]:
    return [Scheduled(
        kind="snmp", key=f"snmp:{site.name}/{device.name}",
        title=f"SNMP poll of {site.name}/{device.name}", interval=device.interval,
        first_within=min(device.interval, FIRST_POLL_SPREAD),
        spec=DeviceSpec(site.name, device.name))
        for site in config.sites for device in site.devices]


class SnmpProbe:
    def __init__(self, poller: SnmpPoller) -> None:
        self.poller = poller

    def open(self) -> None:
        """The poller's engine opens its sockets with the first request."""

    async def probe(self, spec: DeviceSpec) -> DevicePoll:
        return await self.poller.poll(spec.site, spec.device)

    def close(self) -> None:
        self.poller.close()

    def describe(self) -> str:
        return "SNMP"


class SnmpRecorder:
    """A poll into the device's state; a reboot it shows, and the oper status of the
    interfaces that carry links, into the outcome."""

    def __init__(self, snmp: SnmpState, store: StateStore, topology: Topology) -> None:
        self._snmp = snmp
        self._store = store
        self._topology = topology

    def record(self, result: DevicePoll) -> Outcome:
        reboot = self._snmp.record(result)
        transitions = []
        for link_site, link, interface in self._topology.carried_by(result.site, result.device):
            up = self._snmp.interface_up(result.site, result.device, interface)
            transitions += self._store.record_interface(link_site, link, up)
        return Outcome(tuple(transitions), (reboot,) if reboot is not None else ())


def build(context: ProbeContext) -> tuple[SnmpProbe, SnmpRecorder]:
    return (SnmpProbe(SnmpPoller(context.config, clock=context.clock)),
            SnmpRecorder(context.snmp, context.store, context.store.topology))


KIND = ProbeKind("snmp", schedule, build, exposition="collector.exposition.snmp")
