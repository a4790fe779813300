"""`agent install --root`, as an operator runs it, and the unit judged by systemd-analyze."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

AGENT = Path(sys.executable).parent / "agent"
UNIT = "etc/systemd/system/pantau-agent.service"
TOKEN = "t0ken-of-web-bappeda-5f2c9a"
ARGS = ["--collector", "https://192.0.2.5:9147", "--name", "web-bappeda",
        "--site", "bappeda", "--interval", "30s"]


def agent(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(AGENT), *args], capture_output=True, text=True, timeout=60,
                          input=stdin)


@pytest.fixture
def token_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("token") / "web-bappeda.token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


def systemd_analyze(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing (Debian package systemd)")
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def installed(tmp_path, token_file):
    done = agent("install", *ARGS, "--token-file", str(token_file), "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    return tmp_path


def test_install_writes_the_files_and_a_second_run_says_nothing_changed(installed,
                                                                          token_file):
    conf = installed / "etc/pantau/agent.conf"
    assert conf.stat().st_mode & 0o777 == 0o600
    assert f"token = {TOKEN}" in conf.read_text()
    assert f"ExecStart={AGENT} run --config %d/agent.conf" in (installed / UNIT).read_text()
    before = {p: p.stat().st_mtime_ns for p in (conf, installed / UNIT)}
    # The same token from standard input: nothing to change.
    again = agent("install", *ARGS, "--token", "-", "--root", str(installed),
                  stdin=TOKEN + "\n")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "nothing to change: already installed as requested\n"
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_dry_run_prints_every_file_but_the_token_and_changes_nothing(tmp_path, token_file):
    done = agent("install", *ARGS, "--token-file", str(token_file), "--root", str(tmp_path),
                 "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "    token = <secret>" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    assert "    ProtectSystem=strict" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_token_on_the_command_line_works_and_is_warned_about(tmp_path):
    done = agent("install", *ARGS, "--token", TOKEN, "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "shows in the process list" in done.stderr
    assert f"token = {TOKEN}" in (tmp_path / "etc/pantau/agent.conf").read_text()


@pytest.mark.parametrize(("how", "stdin", "message"), [
    (["--token-file", "/nonexistent/web.token"], None,
     "agent install: --token-file: cannot read /nonexistent/web.token"),
    (["--token", "-"], "", "agent install: --token -: standard input: expected the token"),
    (["--token", "-"], "two words\n", "expected the token alone, on one line"),
])
def test_a_token_that_cannot_be_read_is_named(tmp_path, how, stdin, message):
    done = agent("install", *ARGS, *how, "--root", str(tmp_path), stdin=stdin)
    assert done.returncode == 2
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_options_are_named(tmp_path, token_file):
    done = agent("install", *ARGS[:2], "--token-file", str(token_file), "--name", "Web!",
                 "--root", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("agent install: --name: 'Web!' is not a valid name")


def test_uninstall_removes_the_files(installed):
    done = agent("uninstall", "--root", str(installed))
    assert done.returncode == 0, done.stderr
    assert not (installed / UNIT).exists()
    assert agent("uninstall", "--root", str(installed)).stdout == "nothing to remove\n"


def test_systemd_analyze_verify_finds_nothing_to_say(installed):
    done = systemd_analyze("verify", str(installed / UNIT))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_security_exposure_is_at_most_2(installed):
    done = systemd_analyze("security", "--offline=true", "--no-pager", str(installed / UNIT))
    match = re.search(r"Overall exposure level for pantau-agent\.service: (\d+\.\d+)",
                      done.stdout)
    assert match, done.stdout + done.stderr
    assert float(match[1]) <= 2.0, done.stdout
