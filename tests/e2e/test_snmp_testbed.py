"""The real collector polling real snmpd in testbed sites: interface traffic and status, link
state from an interface, reboots, and credentials that fail without breaking the rest."""

from __future__ import annotations

import functools
import socket

import pytest

from tests.support.collector_process import CollectorProcess
from tests.support.snmpd import SnmpAgent
from tests.support.waiting import wait_until
from tests.testbed import Testbed, require_root
from tests.testbed.example import declare_example

pytestmark = pytest.mark.e2e

DOWN_AFTER = 30  # rounds: far more than the interface needs to take the link down
SNMP_PORT = 1161
AUTHS = {
    "lab_v2": {"version": "2c", "community": "public"},
    "lab_v3": {"version": 3, "username": "benchv3", "auth_protocol": "sha",
               "auth_key": "benchauthpass", "priv_protocol": "aes",
               "priv_key": "benchprivpass"},
    "wrong_community": {"version": "2c", "community": "not-this-one"},
    "wrong_key": {"version": 3, "username": "benchv3", "auth_key": "not-the-key",
                  "priv_key": "benchprivpass"},
}


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    require_root()
    with Testbed() as tb:
        declare_example(tb)
        tb.start()
        agents = {}
        try:
            for site, link in (("core", "uplink"), ("opd1", "fo")):
                agents[site] = SnmpAgent(
                    address=tb.target(site, link), port=SNMP_PORT, sys_name=f"{site}-router",
                    netns=tb.netns(site), popen=functools.partial(tb.popen, site),
                    workdir=tmp_path_factory.mktemp(f"snmpd-{site}")).start()
            sites = tb.config_sites()
            core = next(s for s in sites if s["name"] == "core")
            core["devices"] = [
                device("router", tb.target("core", "uplink"), "lab_v2"),
                device("stranger", tb.target("core", "uplink"), "wrong_community")]
            opd1 = next(s for s in sites if s["name"] == "opd1")
            opd1["devices"] = [device("router", tb.target("opd1", "fo"), "lab_v3"),
                               device("impostor", tb.target("opd1", "fo"), "wrong_key")]
            # The core router's port toward opd1 carries opd1's fibre.
            opd1["links"][0]["interface"] = {"site": "core", "device": "router",
                                            "name": tb.interface("opd1", "fo", "parent")}
            collector = CollectorProcess({
                "icmp": {"interval": "300ms", "jitter": 0, "echoes": 3,
                         "echo_interval": "20ms", "timeout": "150ms"},
                "state": {"down_after": DOWN_AFTER, "up_after": 2},
                "snmp": {"interval": "500ms", "timeout": "200ms", "retries": 0},
                "auths": AUTHS, "sites": sites})
            collector.start()
            try:
                yield tb, agents, collector
            finally:
                collector.stop()
        finally:
            for agent in agents.values():
                agent.close()


def device(name: str, address: str, auth: str) -> dict:
    return {"name": name, "address": address, "port": SNMP_PORT, "auth": auth}


def polled(collector: CollectorProcess, site: str, device_name: str) -> float:
    return collector.value("pantau_snmp_polls_total", site=site, device=device_name) or 0.0


def test_v2c_and_v3_devices_are_polled_and_bad_credentials_are_error_kinds(network):
    _, _, collector = network
    wait_until(lambda: all(polled(collector, s, d) >= 2 for s, d in
                           (("core", "router"), ("opd1", "router"), ("core", "stranger"),
                            ("opd1", "impostor"))), timeout=30, what="two polls of each device")
    for site in ("core", "opd1"):
        assert collector.value("pantau_snmp_poll_success", site=site, device="router") == 1.0
        assert collector.value("sysName", site=site, device="router",
                               sysName=f"{site}-router") == 1.0
    assert collector.value("pantau_snmp_poll_error", site="core", device="stranger",
                           kind="timeout") == 1.0
    assert collector.value("pantau_snmp_poll_error", site="opd1", device="impostor",
                           kind="auth") == 1.0


def test_interface_counters_move_with_traffic_across_the_veth(network):
    tb, _, collector = network
    toward_opd1 = tb.interface("opd1", "fo", "parent")
    labels = {"site": "core", "device": "router", "ifName": toward_opd1}
    wait_until(lambda: collector.value("ifHCOutOctets", **labels) is not None, timeout=30,
               what="the core port toward opd1 in /metrics")
    before = collector.value("ifHCOutOctets", **labels)
    # 300 datagrams of 1000 bytes from the collector's host to opd1, through core's port.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for _ in range(300):
            sender.sendto(b"p" * 1000, (tb.target("opd1", "fo"), 9))
    wait_until(lambda: collector.value("ifHCOutOctets", **labels) - before >= 300 * 1000,
               timeout=30, interval=0.3, what="ifHCOutOctets to count the traffic")


def test_cut_flips_the_interface_and_takes_the_link_down_before_ping_would(network):
    tb, _, collector = network
    collector.wait_link_state("opd1", "fo", "up", timeout=30)
    port = {"site": "core", "device": "router", "ifName": tb.interface("opd1", "fo", "parent")}
    rounds_before = collector.value("pantau_icmp_rounds_total", site="opd1")
    tb.cut("opd1", "fo")
    try:
        collector.wait_link_state("opd1", "fo", "down", timeout=20)
        assert collector.value("pantau_icmp_rounds_total", site="opd1") - rounds_before \
            < DOWN_AFTER
        wait_until(lambda: collector.value("ifOperStatus", **port) == 2.0, timeout=10,
                   what="ifOperStatus down")
    finally:
        tb.restore("opd1", "fo")
    wait_until(lambda: collector.value("ifOperStatus", **port) == 1.0, timeout=20,
               what="ifOperStatus up again")
    collector.wait_link_state("opd1", "fo", "up", timeout=30)


def test_restarting_snmpd_is_seen_as_a_reboot(network):
    _, agents, collector = network
    labels = {"site": "core", "device": "router"}
    wait_until(lambda: (collector.value("sysUpTime", **labels) or 0) >= 300, timeout=30,
               what="three seconds of uptime")
    assert collector.value("pantau_snmp_device_reboots_total", **labels) == 0.0
    agents["core"].restart()
    wait_until(lambda: collector.value("pantau_snmp_device_reboots_total", **labels) == 1.0,
               timeout=20, what="the restart counted as a reboot")
    assert "SNMP device core/router restarted" in collector.log
