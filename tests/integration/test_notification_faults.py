"""Notifications under faults, with the collector as users run it (a real process, killed
with SIGKILL where the fault is a crash), a real SMTP server and real web servers on
loopback: nothing decided is lost, and nothing is sent twice.

- SIGKILL inside the grouping window: the notifications decided in it go out after the
  restart, in one mail, once.
- The data directory full (a small tmpfs filled to the last byte), or its files locked by
  another process, while services fail and recover: every outage is in the outage log and
  every notification arrives once when the disk takes writes again.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.collector_process import CollectorProcess, free_port
from tests.support.metrics import samples
from tests.support.smtp_server import PASSWORD, USERNAME, SmtpServer
from tests.support.tls import TestPki, make_pki
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

SERVICES = ("simpeg", "sipd", "ekinerja", "lpse")
ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def smtp(pki: TestPki) -> Iterator[SmtpServer]:
    with SmtpServer(pki) as running:
        yield running


class WebServices:
    """One web server process per service on loopback, each answering the status written
    in its file."""

    def __init__(self, workdir: Path) -> None:
        self.ports: dict[str, int] = {}
        self.files: dict[str, Path] = {}
        self._processes: list[subprocess.Popen[str]] = []
        for name in SERVICES:
            status = workdir / f"{name}.status"
            status.write_text("200")
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.web_server", "127.0.0.1", str(port),
                 str(status)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            self._processes.append(process)
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            self.ports[name], self.files[name] = port, status

    def answer(self, status: int, *names: str) -> None:
        for name in names or SERVICES:
            self.files[name].write_text(str(status))

    def stop(self) -> None:
        for process in self._processes:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[WebServices]:
    services = WebServices(tmp_path)
    try:
        yield services
    finally:
        services.stop()


def sections(smtp: SmtpServer, pki: TestPki, web: WebServices, group_window: str) -> dict:
    return {
        "icmp": {"interval": "1s", "jitter": "0s", "echoes": 1, "echo_interval": "10ms",
                 "timeout": "200ms"},
        "alerting": {"group_window": group_window, "recovery_hold": group_window},
        "mail": {
            "enabled": True,
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "starttls",
                     "username": USERNAME, "password": PASSWORD, "timeout": "5s",
                     "ca_file": str(pki.ca_file)},
            "from": "pantau@kominfo.example.org",
            "language": "en",
            "groups": {"central": ["noc@kominfo.example.org"]},
            "retry": {"first": "200ms", "max": "1s"},
        },
        "sites": [{
            "name": "dinkes",
            "links": [{"name": "lan", "kind": "fiber", "targets": ["127.0.0.1"]}],
            "services": [{"kind": "http", "name": name, "url": f"http://127.0.0.1:{port}/",
                          "interval": "400ms", "timeout": "300ms", "down_after": 2,
                          "up_after": 2} for name, port in web.ports.items()],
        }],
    }


def service_states(collector: CollectorProcess) -> dict[str, str]:
    return {sample.labels["service"]: sample.labels["state"]
            for sample in samples(collector.metrics())
            if sample.name == "pantau_service_state" and sample.value == 1}


def wait_states(collector: CollectorProcess, state: str, *names: str,
                timeout: float = 20) -> None:
    names = names or SERVICES
    wait_until(lambda: all(service_states(collector).get(n) == state for n in names),
               timeout=timeout, interval=0.1,
               what=f"{', '.join(names)} {state} (are {service_states(collector)})")


def read(path: Path, query: str) -> list[tuple]:
    db = sqlite3.connect(path, timeout=10)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


EVENT_LINE = re.compile(r"^(?:\d+\. )?(SERVICE DOWN|SERVICE RECOVERED): (\S+) \(", re.M)
EVENTS = {"SERVICE DOWN": "service_down", "SERVICE RECOVERED": "service_recovered"}


def told(smtp: SmtpServer) -> Counter[tuple[str, str]]:
    """(event, service) of every event told in the mails received (a mail may tell several),
    by how often it came."""
    found: Counter[tuple[str, str]] = Counter()
    for received in smtp.received:
        body = received.message.get_body(("plain",)).get_content()
        for event, service in EVENT_LINE.findall(body):
            found[(EVENTS[event], service)] += 1
    return found


def test_notifications_decided_in_the_grouping_window_survive_a_kill(
        smtp: SmtpServer, pki: TestPki, web: WebServices, tmp_path: Path) -> None:
    collector = CollectorProcess(sections(smtp, pki, web, "4s"), tmp_path).start()
    outages = tmp_path / "data" / "outages.sqlite"
    try:
        wait_states(collector, "up")
        web.answer(500)
        wait_until(lambda: len(read(outages, "SELECT id FROM decided WHERE batch IS NULL"))
                   == 4, timeout=20, interval=0.05, what="four notifications decided")
        collector.kill()
        assert smtp.received == []  # the window had not closed
        collector.start()
        smtp.wait_for(1)
        assert told(smtp) == Counter({("service_down", name): 1 for name in SERVICES})
        web.answer(200)
        smtp.wait_for(2)
        # The outage log and the outbox are settled: nothing decided waits, nothing pending.
        wait_until(lambda: read(outages, "SELECT count(*) FROM decided") == [(0,)]
                   and collector.value("pantau_notify_pending", channel="mail") == 0,
                   timeout=20, what="nothing left to send")
    finally:
        collector.stop()
    assert told(smtp) == Counter({(event, name): 1 for name in SERVICES
                                  for event in ("service_down", "service_recovered")})
    assert "4 notifications decided before the restart are still to be sent" in collector.log


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    path.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                    str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> Path:
    """Write zeros to ``path`` until its filesystem is full."""
    filler = path / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    with contextlib.suppress(OSError), filler.open("ab") as out:
        while True:  # the last bytes
            out.write(b"\0" * 512)
            out.flush()
    return filler


LOCKER = """
import sqlite3, sys
held = []
for path in sys.argv[1:]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    held.append(db)
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("fault", ["full", "locked"])
def test_a_full_or_locked_data_directory_delays_notifications_and_loses_none(
        fault: str, smtp: SmtpServer, pki: TestPki, web: WebServices, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with contextlib.ExitStack() as stack:
        if fault == "full":
            stack.enter_context(small_filesystem(data, "16m"))
        collector = CollectorProcess(sections(smtp, pki, web, "500ms"), tmp_path).start()
        stack.callback(collector.stop)
        wait_states(collector, "up")
        if fault == "full":
            filler = fill(data)
        else:
            locker = subprocess.Popen(
                [sys.executable, "-c", LOCKER, str(data / "outages.sqlite"),
                 str(data / "outbox.sqlite3")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True)
            stack.callback(lambda: locker.poll() is None and locker.kill())
            assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        # Four services fail and two of them come back while nothing can be written.
        web.answer(500)
        wait_states(collector, "down")
        wait_until(lambda: (collector.value("pantau_storage_unwritten_changes",
                                            file="outages") or 0) > 0,
                   timeout=20, what="changes kept in memory")
        web.answer(200, "simpeg", "sipd")
        wait_states(collector, "up", "simpeg", "sipd")
        wait_until(lambda: (collector.value("pantau_notifications_waiting") or 0) >= 1,
                   timeout=20, what="notifications waiting for the outbox")
        received_meanwhile = len(smtp.received)
        if fault == "full":
            filler.unlink()
        else:
            locker.communicate("\n", timeout=10)
        expected = Counter({("service_down", name): 1 for name in SERVICES}
                           | {("service_recovered", name): 1 for name in ("simpeg", "sipd")})
        try:
            wait_until(lambda: told(smtp) == expected, timeout=60,
                       what="every notification once")
            web.answer(200)
            expected |= {("service_recovered", name): 1 for name in ("ekinerja", "lpse")}
            wait_until(lambda: told(smtp) == expected, timeout=60, what="the last recoveries")
            wait_until(lambda: collector.value("pantau_storage_unwritten_changes",
                                               file="outages") == 0
                       and collector.value("pantau_notifications_waiting") == 0
                       and collector.value("pantau_notify_pending", channel="mail") == 0,
                       timeout=30, what="everything written and sent")
        except TimeoutError as err:
            raise AssertionError(f"{err}; got {told(smtp)}; the collector's log ends:\n"
                                 + "\n".join(collector.log.splitlines()[-60:])) from err
        outages = read(data / "outages.sqlite", "SELECT service, ended_at IS NOT NULL FROM "
                       "outages WHERE service IS NOT NULL ORDER BY service")
    assert received_meanwhile == 0
    assert told(smtp) == expected
    # Every outage is in the log, once, and closed.
    assert outages == [(name, 1) for name in sorted(SERVICES)]
    log = collector.log
    assert log.count("outages.sqlite cannot be written") == 1, log
    assert log.count("outages.sqlite is written again") == 1, log
    assert log.count("the outbox cannot take notifications") == 1, log
