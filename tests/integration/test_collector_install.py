"""`collector install --root`, as an operator runs it, and the unit judged by systemd-analyze:
nothing to say on verify, exposure at most 2.5 whether its pings need CAP_NET_RAW or not,
idempotent, `--dry-run` writing nothing, `uninstall` leaving the data and the config."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collector.config import load_config
from collector.service import plan_install
from pantau_units import apply

pytestmark = pytest.mark.integration

COLLECTOR = Path(sys.executable).parent / "collector"
UNIT = "etc/systemd/system/pantau-collector.service"
SYSUSERS = "etc/sysusers.d/pantau.conf"
CONFIG = """\
collector: {listen: "0.0.0.0:9147", data_dir: /var/lib/pantau}
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [192.0.2.1]}]
"""


def collector(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COLLECTOR), *args], capture_output=True, text=True, timeout=60)


def systemd_analyze(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing (Debian package systemd)")
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "etc-pantau" / "collector.yml"
    path.parent.mkdir()
    path.write_text(CONFIG)
    return path


@pytest.fixture
def installed(tmp_path, config_path):
    root = tmp_path / "root"
    done = collector("install", "-c", str(config_path), "--root", str(root))
    assert done.returncode == 0, done.stderr
    return root


def exposure(unit: Path) -> float:
    done = systemd_analyze("security", "--offline=true", "--no-pager", str(unit))
    match = re.search(r"Overall exposure level for pantau-collector\.service: (\d+\.\d+)",
                      done.stdout)
    assert match, done.stdout + done.stderr
    return float(match[1])


def test_install_writes_the_unit_and_the_user_and_a_second_run_says_nothing_changed(
        installed, config_path):
    unit = (installed / UNIT).read_text()
    assert f"ExecStart={COLLECTOR} run --config {config_path}" in unit
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "User=pantau" in unit and "StateDirectory=pantau" in unit
    assert "LimitNOFILE=65536" in unit
    assert "ReadWritePaths" not in unit  # data_dir is the state directory
    assert (installed / SYSUSERS).read_text().splitlines()[1].startswith("u pantau - ")
    before = {p: p.stat().st_mtime_ns for p in (installed / UNIT, installed / SYSUSERS)}
    again = collector("install", "-c", str(config_path), "--root", str(installed))
    assert again.returncode == 0, again.stderr
    assert again.stdout == "nothing to change: already installed as requested\n"
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_systemd_analyze_verify_finds_nothing_to_say(installed):
    done = systemd_analyze("verify", str(installed / UNIT))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.parametrize("ping_allowed", [True, False], ids=["ping-sockets", "raw-sockets"])
def test_exposure_is_at_most_2_5_with_raw_icmp_only_when_ping_sockets_are_refused(
        tmp_path, config_path, ping_allowed):
    root = tmp_path / "root"
    plan = plan_install(load_config(config_path), config_path, str(COLLECTOR), str(root),
                        ping_allowed=ping_allowed)
    apply(plan, [])
    unit = (root / UNIT).read_text()
    if ping_allowed:
        assert "CapabilityBoundingSet=\n" in unit and "PrivateUsers=yes" in unit
    else:
        assert "CapabilityBoundingSet=CAP_NET_RAW\n" in unit
        assert "AmbientCapabilities=CAP_NET_RAW\n" in unit and "PrivateUsers" not in unit
    assert exposure(root / UNIT) <= 2.5
    verify = systemd_analyze("verify", str(root / UNIT))
    assert (verify.returncode, verify.stderr) == (0, "")


def test_a_data_dir_elsewhere_is_made_writable_and_a_relative_one_refused(tmp_path,
                                                                          config_path):
    config_path.write_text(CONFIG.replace("/var/lib/pantau", "/srv/pantau"))
    done = collector("install", "-c", str(config_path), "--root", str(tmp_path / "a"))
    assert done.returncode == 0, done.stderr
    assert "ReadWritePaths=/srv/pantau\n" in (tmp_path / "a" / UNIT).read_text()
    config_path.write_text(CONFIG.replace("/var/lib/pantau", "./data"))
    done = collector("install", "-c", str(config_path), "--root", str(tmp_path / "b"))
    assert done.returncode == 2
    assert "collector.data_dir must be an absolute path" in done.stderr
    assert not (tmp_path / "b").exists()


def test_dry_run_prints_every_file_and_changes_nothing(tmp_path, config_path):
    root = tmp_path / "root"
    done = collector("install", "-c", str(config_path), "--root", str(root), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"would create {root}/{UNIT} (mode 0644):" in done.stdout
    assert "    ProtectSystem=strict" in done.stdout
    assert not root.exists()


def test_uninstall_removes_the_unit_and_leaves_the_rest(installed):
    done = collector("uninstall", "--root", str(installed))
    assert done.returncode == 0, done.stderr
    assert not (installed / UNIT).exists()
    assert (installed / SYSUSERS).exists()
    assert collector("uninstall", "--root", str(installed)).stdout == "nothing to remove\n"


def test_a_config_or_data_dir_the_service_cannot_reach_is_refused(tmp_path, config_path):
    config_path.write_text(CONFIG.replace("/var/lib/pantau", "/root/pantau-data"))
    done = collector("install", "-c", str(config_path), "--root", str(tmp_path / "r"))
    assert done.returncode == 2
    assert "the service cannot reach /root/pantau-data" in done.stderr
    assert not (tmp_path / "r").exists()
