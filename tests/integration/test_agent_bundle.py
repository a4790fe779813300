"""The agent for the agencies' old servers: its code needs Python 3.8 at most (vermin), and its
one-file bundle (`agent bundle`, built here from the wheels scripts/test fetched) runs with a
bare `python3 -I` from an empty directory, with no network, no pip and no Pantau installed:
on the system's python3 and on CPython 3.8 where one is at hand. It renders its unit with
`install --root` (systemd-analyze verifies it), checks, and pushes reports to a collector."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.collector_process import CollectorProcess
from tests.support.config_fixtures import ROOT
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

WHEELS = ROOT / ".venv" / "agent-wheels"
TOKEN = "bundle-token-0123456789abcdef"


def old_pythons() -> list[str]:
    """CPython 3.8 (the oldest the agent supports), where this machine has one."""
    found = sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3"))
    on_path = shutil.which("python3.8")
    return found[:1] or ([on_path] if on_path else [])


INTERPRETERS = [pytest.param("/usr/bin/python3", id="system-python3"),
                *(pytest.param(path, id="cpython-3.8") for path in old_pythons())]
if not old_pythons():
    INTERPRETERS.append(pytest.param("", id="cpython-3.8", marks=pytest.mark.skip(
        reason="no CPython 3.8 on this machine (pyenv's /root/.pyenv/versions/3.8*)")))


def test_the_agents_code_needs_python_3_8_at_most():
    done = subprocess.run([str(Path(sys.executable).parent / "vermin"), "--target=3.8-",
                           "--no-tips", "--violations", "--backport", "dataclasses", "agent",
                           "pantau_units", "pantau_wire"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # 3.8 (importlib.metadata, for `agent bundle`), nothing newer.
    assert "Minimum required versions: 3.8" in done.stdout, done.stdout


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    if not list(WHEELS.glob("psutil-*.whl")):
        pytest.fail(f"no psutil wheels in {WHEELS}: scripts/test fetches them")
    out = tmp_path_factory.mktemp("bundle") / "pantau-agent.pyz"
    done = subprocess.run([str(Path(sys.executable).parent / "agent"), "bundle", "--out",
                           str(out), "--wheels", str(WHEELS)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


def bare(python: str, home: Path, *args: str, network: bool = True,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -I BUNDLE ...`` from an empty directory with a bare environment; without
    ``network``, in a network namespace of its own with nothing in it."""
    argv = [python, "-I", *args]
    if not network:
        argv = ["unshare", "--net", *argv]
    return subprocess.run(argv, cwd=home, env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, input=stdin)


def test_the_bundle_is_the_same_file_for_the_same_inputs(bundle, tmp_path):
    again = tmp_path / "again.pyz"
    subprocess.run([str(Path(sys.executable).parent / "agent"), "bundle", "--out", str(again),
                    "--wheels", str(WHEELS)], check=True, capture_output=True, timeout=120)
    assert again.read_bytes() == bundle.read_bytes()


@pytest.mark.parametrize("python", INTERPRETERS)
def test_the_bundle_installs_offline_and_pushes(bundle, python, tmp_path):
    home = tmp_path / "empty"
    home.mkdir()
    copy = home / "pantau-agent.pyz"
    shutil.copy(bundle, copy)
    (home / "web.token").write_text(TOKEN + "\n")
    version = bare(python, home, str(copy), "--version", network=False)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("pantau agent ")
    # Its unit, rendered without network: the bundle copied beside it, run by this Python.
    root = tmp_path / "root"
    collector = CollectorProcess({"icmp": {"jitter": 0}, "agents": {"silence": "2s", "clients": [
        {"name": "web-bappeda", "site": "core", "token": TOKEN}]},
        "sites": [{"name": "core", "interval": "10s",
                   "links": [{"name": "lo", "kind": "fiber", "targets": ["127.0.0.1"]}]}]},
        workdir=tmp_path / "collector")
    installed = bare(python, home, str(copy), "install", "--collector", collector.base,
                     "--name", "web-bappeda", "--site", "core", "--token-file", "web.token",
                     "--interval", "1s", "--root", str(root), network=False)
    assert installed.returncode == 0, installed.stderr
    assert TOKEN not in installed.stdout + installed.stderr
    unit = root / "etc/systemd/system/pantau-agent.service"
    text = unit.read_text()
    assert f"ExecStart={python} -I /opt/pantau-agent/pantau-agent.pyz run --config " \
           "%d/agent.conf" in text
    assert "CacheDirectory=pantau-agent" in text
    assert (root / "opt/pantau-agent/pantau-agent.pyz").read_bytes() == bundle.read_bytes()
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                                text=True, timeout=120)
        assert (verify.returncode, verify.stderr) == (0, ""), verify
    # Checks and pushes to a collector, from the installed copy.
    config = root / "etc/pantau/agent.conf"
    running = home / "run.conf"
    running.write_text(config.read_text() + f"state_dir = {home}/state\n")
    collector.start()
    try:
        checked = bare(python, home, str(root / "opt/pantau-agent/pantau-agent.pyz"),
                       "check", "-c", str(running))
        assert checked.returncode == 0, checked.stderr
        assert checked.stderr.strip().endswith("as web-bappeda: OK")
        agent = subprocess.Popen([python, "-I", str(root / "opt/pantau-agent/pantau-agent.pyz"),
                                  "run", "-c", str(running)], cwd=home,
                                 env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until(lambda: (collector.value("pantau_agent_reports_total",
                                                agent="web-bappeda") or 0) >= 3,
                       timeout=30, what="three reports from the bundled agent")
            assert collector.value("node_load1", agent="web-bappeda") is not None
        finally:
            agent.terminate()
            log = agent.communicate(timeout=10)[0]
        assert agent.returncode == 0, log
    finally:
        collector.stop()
    # psutil's compiled part was unpacked once, into the user's cache.
    [unpacked] = (home / ".cache" / "pantau-agent").iterdir()
    assert (unpacked / ".complete").exists() and (unpacked / "psutil").is_dir()
    assert os.stat(unpacked.parent).st_mode & 0o077 == 0

