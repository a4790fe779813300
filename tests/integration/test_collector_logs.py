"""The collector's log as operators read it: under systemd's journal, lines with a syslog
priority and no time of their own, outages at WARNING; a stop in the middle of a round says
nothing alarming; its own process figures on /metrics."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.collector_process import CollectorProcess, free_port
from tests.support.metrics import value
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
PREFIX = re.compile(r"^<([0-7])>[a-z_.]+: ")


@pytest.fixture
def web(tmp_path):
    """A web server on loopback answering the status written in its file."""
    status = tmp_path / "status"
    status.write_text("200")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.web_server", "127.0.0.1", str(port),
         str(status)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield port, status
    finally:
        process.kill()
        process.wait(timeout=10)


def sections(port: int, **icmp: object) -> dict:
    return {
        "icmp": {"interval": "1s", "jitter": "0s", "echoes": 1, "echo_interval": "10ms",
                 "timeout": "200ms", **icmp},
        "sites": [{"name": "core",
                   "links": [{"name": "lan", "kind": "fiber", "targets": ["127.0.0.1"]}],
                   "services": [{"kind": "http", "name": "web",
                                 "url": f"http://127.0.0.1:{port}/", "interval": "300ms",
                                 "timeout": "200ms", "down_after": 2, "up_after": 2}]}],
    }


def test_under_the_journal_lines_carry_a_priority_and_outages_are_warnings(web, tmp_path):
    port, status = web
    collector = CollectorProcess(sections(port), tmp_path, journal=True).start()
    try:
        wait_until(lambda: "service core/web is up" in collector.log, timeout=15,
                   what="the service up")
        status.write_text("500")
        wait_until(lambda: "service core/web is down" in collector.log, timeout=15,
                   what="the service down")
        status.write_text("200")
        wait_until(lambda: "service core/web is up (was down)" in collector.log, timeout=15,
                   what="the service back")
    finally:
        assert collector.stop() == 0
    lines = collector.log.splitlines()
    assert lines and all(PREFIX.match(line) for line in lines), [
        line for line in lines if not PREFIX.match(line)][:5]
    priority = {line.split(">", 1)[1]: line[1] for line in lines}
    assert priority["collector.state.store: site core is up (was unknown)"] == "6"
    assert priority["collector.state.services: service core/web is down (was up): status"] \
        == "4"
    assert priority["collector.state.services: service core/web is up (was down)"] == "4"
    assert not any("apscheduler" in line for line in lines)  # its job lines: debug only


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_in_the_middle_of_a_round_is_quiet(signum, web, tmp_path):
    """Rounds of 2.5 s every 2.6 s: the collector is nearly always inside one (and its
    service checks every 300 ms)."""
    port, _ = web
    collector = CollectorProcess(
        sections(port, interval="2600ms", echoes=3, echo_interval="1s", timeout="500ms"),
        tmp_path).start()
    wait_until(lambda: (collector.value("pantau_icmp_rounds_total", site="core") or 0) >= 1,
               timeout=15, what="a first round")
    # The next round began as the first ended; a second later it waits between its echoes.
    ended = collector.value("pantau_icmp_round_last_timestamp_seconds", site="core")
    assert ended is not None
    wait_until(lambda: time.time() - ended >= 1.2, timeout=5, what="the second round under way")
    assert collector.stop(signum) == 0
    log = collector.log
    assert "stopping" in log
    for word in ("Traceback", "ERROR", "raised an exception", "CancelledError", "Task was"):
        assert word not in log, log


def test_the_collectors_own_process_is_on_metrics(web, tmp_path):
    port, _ = web
    collector = CollectorProcess(sections(port), tmp_path).start()
    try:
        text = collector.metrics()
    finally:
        collector.stop()
    assert value(text, "process_open_fds") > 0
    assert value(text, "process_resident_memory_bytes") > 10 * 1024 * 1024
    assert value(text, "process_max_fds") >= 1024
    assert value(text, "python_info", major=str(sys.version_info.major)) == 1.0
    assert value(text, "python_gc_collections_total", generation="0") is not None
