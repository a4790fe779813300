"""The wireless simulator behind a real snmpd, read with net-snmp's own tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.snmp_sim import parse_oid
from tests.support.snmpd import SnmpAgent, free_udp_port
from tests.support.waiting import wait_until
from tests.support.wireless_devices import (
    MIKROTIK_PREFIX,
    UBIQUITI_PREFIX,
    mikrotik_ap_spec,
    mikrotik_station_spec,
    sim_argv,
    ubiquiti_station_spec,
    write_spec,
)

pytestmark = pytest.mark.integration

INDEX = 7
MIKROTIK_STRENGTH = f"1.3.6.1.4.1.14988.1.1.1.1.1.4.{INDEX}"
UBIQUITI_SIGNAL = f"1.3.6.1.4.1.41112.1.4.5.1.5.{INDEX}"
# SNMP type the simulator serves → how snmpwalk prints it.
PRINTED = {"integer": "INTEGER", "gauge": "Gauge32", "counter32": "Counter32",
           "string": "STRING"}


@pytest.fixture(scope="module")
def specs():
    mikrotik = mikrotik_station_spec(INDEX, fade_per_second=-2.0, floor=-95)
    mikrotik.update(mikrotik_ap_spec(INDEX))
    ubiquiti = ubiquiti_station_spec(INDEX, fade_per_second=-2.0, floor=-95)
    return {MIKROTIK_PREFIX: mikrotik, UBIQUITI_PREFIX: ubiquiti}


@pytest.fixture(scope="module")
def agent(specs, tmp_path_factory):
    spec_dir = tmp_path_factory.mktemp("specs")
    handlers = [(prefix, sim_argv(write_spec(spec, spec_dir / f"{prefix}.json")))
                for prefix, spec in specs.items()]
    with SnmpAgent(port=free_udp_port(), pass_persist=handlers) as running:
        yield running


def signed(value: str) -> int:
    return int(value.split(":", 1)[1])


@pytest.mark.parametrize("prefix", [MIKROTIK_PREFIX, UBIQUITI_PREFIX])
def test_every_simulated_oid_appears_under_snmpwalk_with_its_type(agent, specs, prefix):
    walked = agent.walk(prefix)
    assert set(walked) == set(specs[prefix])
    for oid, entry in specs[prefix].items():
        printed_type, _, printed_value = walked[oid].partition(": ")
        assert printed_type == PRINTED[entry["type"]], oid
        if entry["type"] == "string":
            assert printed_value == f'"{entry["value"]}"'
        elif "fade_per_second" not in entry:
            assert int(printed_value) == entry["value"], oid


@pytest.mark.parametrize("prefix", [MIKROTIK_PREFIX, UBIQUITI_PREFIX])
def test_walk_order_is_numeric_not_textual(agent, prefix):
    walked = list(agent.walk(prefix))
    assert walked == sorted(walked, key=parse_oid)
    # Column 10 sorts after column 9 as numbers, before it as text: the walk must see 9 first.
    as_text = sorted(walked)
    assert walked != as_text


def test_getnext_steps_from_column_to_column_and_out_of_the_subtree(agent):
    def getnext(oid: str) -> str:
        done = agent.cli("snmpgetnext", oid)
        assert done.returncode == 0, done.stderr
        return done.stdout.split(" = ", 1)[0].lstrip(".")

    assert getnext("1.3.6.1.4.1.14988.1.1.1.1.1.9") == "1.3.6.1.4.1.14988.1.1.1.1.1.9.7"
    assert getnext("1.3.6.1.4.1.14988.1.1.1.1.1.9.7") == "1.3.6.1.4.1.14988.1.1.1.1.1.10.7"
    assert getnext("1.3.6.1.4.1.14988.1.1.1.1.1.10.7") == "1.3.6.1.4.1.14988.1.1.1.3.1.2.7"
    last = max(agent.walk(MIKROTIK_PREFIX), key=parse_oid)
    after = getnext(last)
    assert parse_oid(after) > parse_oid(last)
    assert not after.startswith(MIKROTIK_PREFIX + ".")


def test_get_of_an_oid_the_device_lacks_is_no_such(agent):
    done = agent.cli("snmpget", f"1.3.6.1.4.1.14988.1.1.1.1.1.4.{INDEX + 1}")
    assert "No Such Instance" in done.stdout


@pytest.mark.parametrize("oid", [MIKROTIK_STRENGTH, UBIQUITI_SIGNAL])
def test_signal_fades_between_two_reads(agent, oid):
    first = signed(agent.get(oid)[oid])
    assert -95 <= first < 0
    wait_until(lambda: signed(agent.get(oid)[oid]) < first, timeout=10, interval=0.2,
               what=f"{oid} to fall below {first} dBm")


def test_v3_reads_the_simulated_subtree_too(agent):
    walked = agent.walk(MIKROTIK_PREFIX, version="3")
    assert MIKROTIK_STRENGTH in walked


def test_simulators_end_with_the_agent(specs, tmp_path):
    spec = write_spec(specs[UBIQUITI_PREFIX], tmp_path / "own.json")
    with SnmpAgent(port=free_udp_port(), pass_persist=[(UBIQUITI_PREFIX, sim_argv(spec))],
                   v3_user=None) as running:
        assert UBIQUITI_SIGNAL in running.walk(UBIQUITI_PREFIX)
        assert simulators_serving(spec)
    wait_until(lambda: not simulators_serving(spec), timeout=10,
               what=f"the simulator of {spec} to exit")


def simulators_serving(spec: Path) -> list[int]:
    """Pids of snmp_sim processes serving ``spec``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # it ended while we looked
        if b"tests.support.snmp_sim" in args and str(spec).encode() in args:
            found.append(int(proc.name))
    return found
