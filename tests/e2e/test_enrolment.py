"""Enrolling an agency's server as a sysadmin does, on the namespace testbed: `collector agents
add` beside the running collector, the install command it prints run on the agency's server
(its namespace) with the token file copied there, `agent check` OK, reports arriving; then a
rotation with its grace period, and a removal. No token in any output, log or process list."""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.collector_process import CollectorProcess
from tests.support.waiting import wait_until
from tests.testbed import Testbed, require_root

pytestmark = pytest.mark.e2e

AGENT = Path(sys.executable).parent / "agent"


class ProcessList:
    """Every command line of the machine, read again and again while the test runs (the
    test fails if a token shows in any)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessList:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    self.seen.add(cmdline.read_bytes().replace(b"\0", b" ").decode(
                        "utf-8", "replace"))
                except OSError:
                    continue


@pytest.fixture(autouse=True)
def collector_log_on_failure(request):
    yield
    report = getattr(request.node, "rep_call", None)
    lab = request.node.funcargs.get("lab")
    if report is not None and report.failed and lab is not None:
        print("collector log (last 60 lines):\n" +
              "\n".join(lab[1].log.splitlines()[-60:]))


@pytest.fixture
def lab(tmp_path):
    require_root()
    with Testbed() as tb:
        tb.add_site("core")
        tb.add_site("bappeda")
        tb.add_link("core", "uplink", parent=None, kind="fiber")
        tb.add_link("bappeda", "fo", parent="core", kind="fiber")
        tb.start()
        collector = CollectorProcess({
            "icmp": {"interval": "500ms", "jitter": 0, "echoes": 2, "echo_interval": "20ms",
                     "timeout": "300ms"},
            "agents": {"silence": "2s"},
            "sites": tb.config_sites()}, workdir=tmp_path / "collector", host="0.0.0.0")
        # Agents reach the collector where the office publishes it: here, the testbed's
        # address of the collector's host.
        collector.write_config({
            "collector": {"public_url": f"http://{tb.collector_address}:{collector.port}/"},
            "icmp": {"interval": "500ms", "jitter": 0, "echoes": 2, "echo_interval": "20ms",
                     "timeout": "300ms"},
            "agents": {"silence": "2s"},
            "sites": tb.config_sites()})
        collector.start()
        try:
            yield tb, collector
        finally:
            collector.stop()


def agent_reports(collector: CollectorProcess, name: str) -> float:
    return collector.value("pantau_agent_reports_total", agent=name) or 0.0


def test_agents_add_then_install_with_the_token_file_then_check_ok(lab, tmp_path):
    tb, collector = lab
    server = tmp_path / "bappeda-server"  # the agency's server: its root, in its namespace
    server.mkdir()
    outputs: list[str] = []
    with ProcessList() as processes:
        added = collector.command("agents", "add", "bappeda-server", "--site", "bappeda")
        outputs += [added.stdout, added.stderr]
        assert added.returncode == 0, added
        token_file = collector.workdir / "agents.d" / "bappeda" / "bappeda-server.token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        token = token_file.read_text().strip()
        assert len(token) >= 43
        assert f"its token is in {token_file}" in added.stdout
        assert "the running collector has reloaded" in added.stdout
        assert "reload: agents added: bappeda-server" in collector.log
        # The command it prints, run on the server with the token file copied beside it.
        [command] = [line.strip() for line in added.stdout.splitlines()
                     if line.strip().startswith("sudo agent install")]
        argv = shlex.split(command)[1:]
        assert argv[argv.index("--collector") + 1] == \
            f"http://{tb.collector_address}:{collector.port}"
        (server / "bappeda-server.token").write_bytes(token_file.read_bytes())
        argv[0] = str(AGENT)
        installed = tb.run("bappeda", [*argv, "--root", str(server)], check=False,
                           cwd=str(server))
        outputs += [installed.stdout, installed.stderr]
        assert installed.returncode == 0, installed
        conf = server / "etc/pantau/agent.conf"
        assert conf.stat().st_mode & 0o777 == 0o600
        checked = tb.run("bappeda", [str(AGENT), "check", "-c", str(conf)], check=False)
        outputs += [checked.stdout, checked.stderr]
        assert checked.returncode == 0, checked
        assert checked.stderr.strip().endswith("as bappeda-server: OK")
        # And it runs, reporting as the service will (its state under the server's root).
        running = server / "agent-run.conf"
        running.write_text(conf.read_text().replace("interval = 15s", "interval = 300ms")
                           + f"state_dir = {server}/var/lib/pantau-agent\n")
        running.chmod(0o600)
        agent = subprocess.Popen(["ip", "netns", "exec", tb.netns("bappeda"), str(AGENT),
                                  "run", "-c", str(running)], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            wait_until(lambda: collector.value("pantau_agent_up", agent="bappeda-server")
                       == 1.0, timeout=20, what="the agent up")
            listed = collector.command("agents", "list")
            outputs += [listed.stdout, listed.stderr]
            assert "bappeda-server" in listed.stdout and str(token_file) in listed.stdout
            # A new token: the server still has the old one, taken for the grace period.
            rotated = collector.command("agents", "rotate", "bappeda-server", "--grace", "1h")
            outputs += [rotated.stdout, rotated.stderr]
            assert rotated.returncode == 0, rotated
            new_token = token_file.read_text().strip()
            assert new_token != token
            before = agent_reports(collector, "bappeda-server")
            wait_until(lambda: agent_reports(collector, "bappeda-server") >= before + 3,
                       timeout=20, what="reports with the old token, in its grace period")
            # Removed: its pushes are refused from now on.
            removed = collector.command("agents", "remove", "bappeda-server")
            outputs += [removed.stdout, removed.stderr]
            assert removed.returncode == 0, removed
            assert not token_file.exists()
            wait_until(lambda: (collector.value("pantau_agent_pushes_rejected_total",
                                                reason="unknown_agent") or 0) >= 1,
                       timeout=20, what="the removed agent's pushes refused")
        finally:
            agent.terminate()
            outputs.append(agent.communicate(timeout=10)[0])
    # The process list was read while the commands ran: theirs are in it, no token is.
    assert any("agents add bappeda-server" in line for line in processes.seen)
    assert any(" check -c " in line for line in processes.seen)
    for text in [*outputs, collector.log, *processes.seen]:
        assert token not in text and new_token not in text
