"""The SNMP poller against real net-snmp agents on loopback: v2c and v3, errors as data,
reboots, old devices without ifXTable, interface filters, and the vendor wireless profiles."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from collector.config import parse_config_text
from collector.snmp.client import SnmpErrorKind
from collector.snmp.poller import SnmpPoller
from collector.snmp.state import SnmpState
from tests.support.snmpd import SnmpAgent, free_udp_port
from tests.support.waiting import wait_until
from tests.support.wireless_devices import (
    MIKROTIK_PREFIX,
    UBIQUITI_PREFIX,
    mikrotik_station_spec,
    sim_argv,
    ubiquiti_station_spec,
    write_spec,
)

pytestmark = pytest.mark.integration

SYS_NAME = "lab-router"

AUTHS = """
auths:
  v2: {version: 2c, community: public}
  wrong_community: {version: 2c, community: not-the-community}
  v3: {version: 3, username: benchv3, auth_key: benchauthpass, priv_key: benchprivpass}
  wrong_key: {version: 3, username: benchv3, auth_key: not-the-key, priv_key: benchprivpass}
snmp: {interval: 5s, timeout: 300ms, retries: 0}
"""


def config_for(devices: list[str]) -> object:
    lines = "\n".join(f"      - {d}" for d in devices)
    text = (AUTHS + "sites:\n  - name: lab\n    links: [{name: lan, kind: fiber, "
            "targets: [127.0.0.1]}]\n    devices:\n" + lines + "\n")
    return parse_config_text(text, "test.yml")


def run(devices: list[str], scenario):
    """Run ``scenario(poll, state)`` on one event loop (pysnmp's engine lives on one loop)."""
    config = config_for(devices)

    async def main():
        poller = SnmpPoller(config)
        state = SnmpState(config)

        async def poll(name: str):
            result = await poller.poll("lab", name)
            state.record(result)
            return result

        try:
            return await scenario(poll, state)
        finally:
            poller.close()

    return asyncio.run(main())


def values(result, name: str, **labels: str) -> list[float]:
    return [s.value for s in result.samples
            if s.name == name and all(dict(s.labels).get(k) == v for k, v in labels.items())]


@pytest.fixture(scope="module")
def agent() -> Iterator[SnmpAgent]:
    with SnmpAgent(port=free_udp_port(), sys_name=SYS_NAME) as running:
        yield running


def device(name: str, port: int, auth: str = "v2", extra: str = "") -> str:
    return f"{{name: {name}, address: 127.0.0.1, port: {port}, auth: {auth}{extra}}}"


def test_v2c_and_v3_authpriv_read_interfaces_with_snmp_exporter_names(agent):
    async def scenario(poll, state):
        return [await poll("v2"), await poll("v3")]

    for result in run([device("v2", agent.port), device("v3", agent.port, "v3")], scenario):
        assert result.error is None, result.detail
        assert values(result, "ifHCInOctets", ifName="lo")
        assert values(result, "ifOperStatus", ifName="lo") == [1.0]
        assert values(result, "sysName", sysName=SYS_NAME) == [1.0]
        assert values(result, "sysUpTime")[0] > 0
        assert values(result, "ifType_info", ifName="lo", ifType="softwareLoopback") == [1.0]
        assert values(result, "ifSpecific", ifName="lo", ifSpecific="0.0") == [1.0]
        assert result.discovered


def test_steady_polls_read_only_what_changes_and_derive_32_bit_counters(agent):
    async def scenario(poll, state):
        return await poll("r"), await poll("r")

    first, second = run([device("r", agent.port)], scenario)
    assert not second.discovered
    assert second.varbinds < first.varbinds
    assert {s.name for s in second.samples} == {s.name for s in first.samples}
    hc = values(second, "ifHCInOctets", ifName="lo")[0]
    assert values(second, "ifInOctets", ifName="lo") == [float(int(hc) & 0xFFFFFFFF)]


def send_over_loopback(datagrams: int, size: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        receiver.bind(("127.0.0.1", 0))
        for _ in range(datagrams):
            sender.sendto(b"x" * size, receiver.getsockname())


def test_counters_move_with_traffic(agent):
    async def scenario(poll, state):
        before = values(await poll("r"), "ifHCInOctets", ifName="lo")[0]
        send_over_loopback(datagrams=200, size=1000)
        # snmpd caches interface statistics for a few seconds: poll until they move.
        for _ in range(100):
            after = values(await poll("r"), "ifHCInOctets", ifName="lo")[0]
            if after > before:
                return after - before
            await asyncio.sleep(0.2)
        raise AssertionError("ifHCInOctets of lo did not move within 20 s")

    assert run([device("r", agent.port)], scenario) >= 200 * 1000


def test_wrong_credentials_are_error_kinds_and_leave_other_devices_alone(agent):
    async def scenario(poll, state):
        # Twice: the user with the wrong key shares its name with the right one, and must not
        # overwrite it between polls.
        first = await asyncio.gather(poll("good"), poll("goodv3"), poll("badcommunity"),
                                     poll("badkey"))
        second = await asyncio.gather(poll("goodv3"), poll("badkey"))
        return (*first, *second)

    devices = [device("good", agent.port), device("goodv3", agent.port, "v3"),
               device("badcommunity", agent.port, "wrong_community"),
               device("badkey", agent.port, "wrong_key")]
    good, good_v3, community, key, good_v3_again, key_again = run(devices, scenario)
    for result in (good, good_v3, good_v3_again):
        assert result.error is None, result.detail
        assert values(result, "ifOperStatus", ifName="lo") == [1.0]
    assert key_again.error is SnmpErrorKind.AUTH
    assert community.error is SnmpErrorKind.TIMEOUT
    assert key.error is SnmpErrorKind.AUTH
    assert community.samples == key.samples == ()


def test_agent_restart_is_counted_as_one_reboot(agent):
    async def scenario(poll, state):
        await poll("r")
        assert (await poll("r")).error is None
        # An uptime of a few seconds is what a restart must fall short of.
        wait_until(lambda: agent.uptime_ticks() >= 300, timeout=10, what="3 s of uptime")
        await poll("r")
        # On this thread: snmpd is tied to the thread that starts it.
        agent.restart()
        await poll("r")
        await poll("r")
        return state

    state = run([device("r", agent.port)], scenario)
    assert state.devices[("lab", "r")].reboots == 1
    assert [event.device for event in state.events] == ["r"]


def test_device_without_ifxtable_falls_back_to_32_bit_counters():
    async def scenario(poll, state):
        return await poll("old")

    with SnmpAgent(port=free_udp_port(), without_ifxtable=True) as old:
        result = run([device("old", old.port)], scenario)
    assert result.error is None, result.detail
    assert values(result, "ifHCInOctets") == []
    assert values(result, "ifInOctets", ifDescr="lo")
    assert values(result, "ifOutUcastPkts", ifDescr="lo")


def test_interface_filter_keeps_matching_interfaces_only(agent):
    async def scenario(poll, state):
        return await poll("r")

    result = run([device("r", agent.port, extra=", interfaces: {include: ['^lo$']}")], scenario)
    names = {dict(s.labels).get("ifName") for s in result.samples if s.name == "ifOperStatus"}
    assert names == {"lo"}


def test_profile_objects_the_device_lacks_are_no_such_object(agent):
    async def scenario(poll, state):
        return await poll("r")

    result = run([device("r", agent.port, extra=", profiles: [ubiquiti_airmax]")], scenario)
    assert result.error is SnmpErrorKind.NO_SUCH_OBJECT


@pytest.mark.parametrize(
    ("profile", "prefix", "spec", "signal"),
    [("mikrotik_wireless", MIKROTIK_PREFIX, mikrotik_station_spec, "mtxrWlStatStrength"),
     ("ubiquiti_airmax", UBIQUITI_PREFIX, ubiquiti_station_spec, "ubntWlStatSignal")],
)
def test_vendor_profile_reads_a_fading_signal_over_the_wire(tmp_path, profile, prefix, spec,
                                                            signal):
    async def scenario(poll, state):
        first = await poll("radio")
        assert first.error is None, first.detail
        start = values(first, signal)
        assert len(start) == 1
        # Fading 20 dB a second: a later poll, within a deadline, reads a weaker signal.
        for _ in range(50):
            now = values(await poll("radio"), signal)
            if now and now[0] < start[0]:
                return first
            await asyncio.sleep(0.1)
        raise AssertionError(f"{signal} stayed at {start[0]}")

    spec_file = write_spec(spec(index=7, fade_per_second=-20.0), tmp_path / "radio.json")
    with SnmpAgent(port=free_udp_port(), pass_persist=[(prefix, sim_argv(spec_file))]) as radio:
        first = run([device("radio", radio.port, extra=f", profiles: [system, {profile}]")],
                    scenario)
    rows = {s.name for s in first.samples}
    assert rows >= {signal}
