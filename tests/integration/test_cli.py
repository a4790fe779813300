"""The command line as an operator uses it: exit status and messages."""

import subprocess
import sys

import pytest

from tests.support.collector_process import free_port
from tests.support.config_fixtures import INVALID, ROOT, expected_errors

pytestmark = pytest.mark.integration


def collector(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "collector", *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_check_config_prints_the_fixtures_errors_and_exits_2(path):
    done = collector("check-config", "-c", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == expected_errors(path)
    assert done.stdout == ""


def test_run_refuses_an_invalid_config_with_status_2():
    path = INVALID[0]
    done = collector("run", "-c", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == expected_errors(path)


@pytest.mark.parametrize("name", ["collector.example.yml", "demo.yml"])
def test_check_config_accepts_the_shipped_configs(name):
    done = collector("check-config", "-c", f"config/{name}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"config/{name}: OK (")


def test_missing_config_file_is_a_config_error():
    done = collector("check-config", "-c", "no/such/collector.yml")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "no/such/collector.yml: cannot read the file: No such file or directory")


def test_a_data_dir_that_cannot_be_created_stops_the_collector_with_status_1(tmp_path):
    (tmp_path / "a-file").write_text("")
    config = tmp_path / "collector.yml"
    config.write_text(
        f"collector: {{listen: '127.0.0.1:{free_port()}', data_dir: {tmp_path}/a-file/data}}\n"
        "sites:\n  - name: core\n    links: [{name: lan, kind: fiber, targets: [127.0.0.1]}]\n")
    done = collector("run", "-c", str(config))
    if "ICMP" in done.stderr and "ping_group_range" in done.stderr:
        pytest.skip("ICMP sockets not permitted here, which is checked first")
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        f"collector: cannot start: collector.data_dir {tmp_path}/a-file/data: cannot create "
        "it: Not a directory")
