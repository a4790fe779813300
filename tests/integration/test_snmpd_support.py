"""SnmpAgent: a real snmpd on loopback, as the SNMP poller's tests and benchmark use it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.support.snmpd import (
    REPO_ROOT,
    SYS_UPTIME,
    SnmpAgent,
    SnmpAgentError,
    free_udp_port,
)
from tests.support.snmpd_config import IFXTABLE, SNMP_ENGINE
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

SYS_NAME = "1.3.6.1.2.1.1.5.0"
ENGINE_BOOTS = SNMP_ENGINE + ".2.0"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"


@pytest.fixture(scope="module")
def agent():
    with SnmpAgent(port=free_udp_port(), sys_name="opd-bappeda-router") as running:
        yield running


def test_v2c_get_answers_with_the_configured_sys_name(agent):
    values = agent.get(SYS_NAME, SYS_UPTIME)
    assert values[SYS_NAME] == 'STRING: "opd-bappeda-router"'
    assert values[SYS_UPTIME].startswith("Timeticks: (")


def test_v3_authpriv_sha_aes_get_answers(agent):
    assert agent.get(SYS_NAME, version="3")[SYS_NAME] == 'STRING: "opd-bappeda-router"'
    done = agent.cli("snmpget", SYS_NAME, version="3")
    assert "-l authPriv" in " ".join(done.args) and "-a SHA" in " ".join(done.args)


def test_v3_with_a_wrong_privacy_passphrase_gets_nothing(agent):
    wrong = SnmpAgent(port=agent.port, v3_user=("benchv3", "benchauthpass", "wrongprivpass"))
    try:
        done = wrong.cli("snmpget", SYS_NAME, version="3", timeout=0.5, retries=0)
    finally:
        wrong.close()
    assert done.returncode != 0
    assert "opd-bappeda-router" not in done.stdout


def test_wrong_community_times_out(agent):
    started = time.monotonic()
    done = agent.cli("snmpget", SYS_NAME, community="private", timeout=0.5, retries=0)
    assert done.returncode != 0
    assert "Timeout" in done.stderr
    assert time.monotonic() - started >= 0.5


def test_without_ifxtable_hides_ifxtable_but_keeps_iftable():
    with SnmpAgent(port=free_udp_port(), without_ifxtable=True, v3_user=None) as old_device:
        assert old_device.walk(IFXTABLE) == {}
        if_descr = old_device.walk(IF_DESCR)
    assert if_descr, "ifTable.ifDescr should still be there"
    assert all(oid.startswith(IF_DESCR + ".") for oid in if_descr)


def test_a_full_agent_has_ifxtable(agent):
    names = agent.walk(IF_NAME)
    assert len(names) == len(agent.walk(IF_DESCR))


def test_restart_resets_sys_uptime_and_counts_an_engine_boot(tmp_path):
    with SnmpAgent(port=free_udp_port(), workdir=tmp_path) as device:
        boots_before = int(device.get(ENGINE_BOOTS, version="3")[ENGINE_BOOTS].split(": ")[1])
        wait_until(lambda: device.uptime_ticks() >= 150, timeout=10, interval=0.1,
                   what="sysUpTime to pass 1.5 s")
        restarted_at = time.monotonic()
        device.restart()
        uptime = device.uptime_ticks() / 100
        since_restart = time.monotonic() - restarted_at
        boots_after = int(device.get(ENGINE_BOOTS, version="3")[ENGINE_BOOTS].split(": ")[1])
    # Before the restart sysUpTime was at least 1.5 s; counted from the new process's start it
    # cannot exceed the time since the restart began (plus one tick of rounding).
    assert uptime <= since_restart + 0.01
    assert boots_after == boots_before + 1


def test_state_stays_in_the_workdir_and_close_removes_it_and_the_process():
    device = SnmpAgent(port=free_udp_port(), v3_user=None)
    workdir = device.workdir
    try:
        device.start()
        pid = device.pid
        device.stop()
        assert "engineBoots 1" in (workdir / "state" / "snmpd.conf").read_text()
        assert not process_alive(pid)
    finally:
        device.close()
    assert not workdir.exists()
    device.close()  # idempotent


def test_an_agent_dies_with_a_test_run_killed_before_its_teardown(tmp_path):
    program = ("import signal, sys\n"
               "from tests.support.snmpd import SnmpAgent\n"
               f"agent = SnmpAgent(port={free_udp_port()}, v3_user=None, workdir=sys.argv[1])\n"
               "agent.start()\n"
               "print(agent.pid, flush=True)\n"
               "signal.pause()\n")
    run = subprocess.Popen([sys.executable, "-c", program, str(tmp_path)], cwd=REPO_ROOT,
                           stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout is not None
        snmpd = int(run.stdout.readline())
        assert process_alive(snmpd)
    finally:
        run.kill()
        run.wait()
    wait_until(lambda: not process_alive(snmpd), timeout=10, what=f"snmpd {snmpd} to end")


def test_a_port_already_taken_fails_start_and_leaves_the_first_agent_alone(agent):
    clash = SnmpAgent(port=agent.port, v3_user=None, start_timeout=5)
    with pytest.raises(SnmpAgentError, match="Address already in use"):
        clash.start()
    assert clash.pid is None
    clash.close()
    assert agent.get(SYS_NAME)


def test_start_fails_with_snmpd_s_own_words_when_it_cannot_bind(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        # Without SO_REUSEADDR here, snmpd's own bind fails; a popen of our own skips
        # SnmpAgent's free-port check, so snmpd's error is what comes back.
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        clash = SnmpAgent(port=port, v3_user=None, start_timeout=5, popen=subprocess.Popen,
                          workdir=tmp_path)
        with pytest.raises(SnmpAgentError, match="Error opening specified endpoint"):
            clash.start()
    assert clash.pid is None
    clash.close()


def test_unsafe_config_values_are_refused_before_anything_is_made():
    with pytest.raises(ValueError, match="community"):
        SnmpAgent(port=free_udp_port(), community="pub lic")
    with pytest.raises(ValueError, match="white space"):
        SnmpAgent(port=free_udp_port(), pass_persist=[("1.3.6.1.4.1.9", ["/a b/sim"])])


def process_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped; its parent here is this test process.
    return not open(f"/proc/{pid}/stat").read().split(") ", 1)[1].startswith("Z")
