"""Real agents push to a real collector over loopback: series, refusals, outages, TLS."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from agent.readings import IGNORED_NIC_PREFIXES, HostReader, real_filesystems
from agent.report import encode
from collector.ingest import REPORT_LOG_FILE, ReportLog
from tests.support.agent_process import AgentProcess
from tests.support.collector_process import CollectorProcess, free_port
from tests.support.tls import make_pki
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

SITES = [{"name": "core", "links": [{"name": "lan", "kind": "fiber", "targets": ["127.0.0.1"]}]}]
ICMP = {"interval": "2s", "jitter": 0, "echoes": 1, "echo_interval": "50ms", "timeout": "500ms"}
TOKENS = {"web": "web-token", "db": "db-token"}


def sections(**collector) -> dict:
    clients = [{"name": name, "site": "core", "token": token} for name, token in TOKENS.items()]
    return {"collector": collector, "icmp": ICMP, "sites": SITES,
            "agents": {"silence": "2s", "expire": "30s", "max_body": "64KiB",
                       "clients": clients}}


@pytest.fixture
def collector(tmp_path):
    process = CollectorProcess(sections(), tmp_path)
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def start_agent(tmp_path):
    started: list[AgentProcess] = []

    def start(name: str, base: str, **settings) -> AgentProcess:
        agent = AgentProcess(tmp_path / f"agent-{name}-{len(started)}",
                             {"collector": base, "name": name, "site": "core",
                              "token": TOKENS[name], **settings})
        started.append(agent)
        return agent.start()

    yield start
    for agent in started:
        agent.stop()


def agent_value(collector: CollectorProcess, name: str, agent: str = "web", **labels):
    return collector.value(name, agent=agent, **labels)


def wait_up(collector: CollectorProcess, agent: str = "web") -> None:
    wait_until(lambda: agent_value(collector, "pantau_agent_up", agent) == 1.0, timeout=20,
               interval=0.1, what=f"agent {agent} to be up")


def test_host_series_match_psutil_read_independently(collector, start_agent):
    start_agent("web", collector.base)
    wait_up(collector)
    text_before = psutil.cpu_times(percpu=True)
    value = lambda name, **labels: agent_value(collector, name, site="core", **labels)  # noqa: E731
    assert value("node_memory_MemTotal_bytes") == psutil.virtual_memory().total
    assert value("node_memory_SwapTotal_bytes") == psutil.swap_memory().total
    assert value("node_boot_time_seconds") == psutil.boot_time()
    assert abs(value("node_time_seconds") - time.time()) < 5
    assert value("node_uname_info", nodename=os.uname().nodename, sysname="Linux") == 1.0
    for cpu, times in enumerate(text_before):
        exposed = value("node_cpu_seconds_total", cpu=str(cpu), mode="idle")
        assert 0 <= times.idle - exposed < 5, (cpu, times.idle, exposed)
    mounts = real_filesystems(psutil.disk_partitions(all=True))
    for device, fstype, mountpoint in mounts:
        st = os.statvfs(mountpoint)
        exposed = value("node_filesystem_size_bytes", device=device, fstype=fstype,
                        mountpoint=mountpoint)
        assert exposed == st.f_blocks * st.f_frsize, mountpoint
    nics = {n for n in psutil.net_io_counters(pernic=True)
            if n != "lo" and not n.startswith(IGNORED_NIC_PREFIXES)}
    # Interfaces may come and go on a shared host (other tests' namespaces): compare those
    # present both in the report and now, and there must be some.
    reported = {nic: value("node_network_receive_bytes_total", device=nic) for nic in nics}
    reported = {nic: v for nic, v in reported.items() if v is not None}
    assert reported or not nics, nics
    for nic, exposed in reported.items():
        received = psutil.net_io_counters(pernic=True)[nic].bytes_recv
        assert exposed <= received, nic


def post(base: str, agent: str, body: bytes, token: str | None = None, path: str = "push",
         **headers: str) -> tuple[int, dict]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    sent = {"Content-Type": "application/json", "Pantau-Sent-At": f"{time.time():.3f}",
            **({"Authorization": f"Bearer {token}"} if token else {}), **headers}
    try:
        conn.request("POST", f"/api/v1/agents/{agent}/{path}", body=body,
                     headers={k.replace("_", "-"): v for k, v in sent.items()})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def plain_report(samples: list | None = None) -> bytes:
    reading = HostReader().read()
    return json.dumps({"version": 1, "seq": 1, "timestamp": reading.timestamp,
                       "boot_time": reading.boot_time, "dropped": 0,
                       "samples": samples if samples is not None else
                       [list(s) for s in reading.samples]}).encode()


def test_refused_pushes_get_a_reason_are_counted_and_leave_other_agents_alone(
        collector, start_agent):
    start_agent("db", collector.base)
    wait_up(collector, "db")
    db_reports = agent_value(collector, "pantau_agent_reports_total", "db")
    good = encode(HostReader().read(), 1, 0)
    gzip = {"Content_Encoding": "gzip"}
    cases = [
        (("intruder", good, "web-token"), gzip, 404, "unknown_agent"),
        (("web", good, "db-token"), gzip, 401, "bad_token"),
        (("web", good, None), gzip, 401, "bad_token"),
        (("web", good, "web-token"), {**gzip, "Pantau_Site": "other"}, 409, "wrong_site"),
        (("web", b"x" * 70_000, "web-token"), {}, 413, "too_large"),
        # 64 KiB limit on what the gzip body unpacks to, however small it is on the wire.
        (("web", encode_zeros(10**6), "web-token"), gzip, 413, "too_large"),
        (("web", b"{not json", "web-token"), {}, 400, "malformed"),
        (("web", good, "web-token"), {**gzip, "Content_Type": "text/plain"}, 400, "malformed"),
        (("web", good, "web-token"), {**gzip, "Pantau_Sent_At": "soon"}, 400, "malformed"),
        (("web", plain_report([["up", {}, 1]]), "web-token"), {}, 422, "invalid"),
        (("web", plain_report([["node_load1", {}, "high"]]), "web-token"), {}, 422, "invalid"),
    ]
    for (agent, body, token), headers, status, reason in cases:
        got_status, answer = post(collector.base, agent, body, token, **headers)
        assert (got_status, answer["error"]) == (status, reason), (agent, headers, answer)
        assert answer["message"]
    text = collector.metrics()
    counts = {reason: sum(1 for case in cases if case[3] == reason)
              for reason in ("unknown_agent", "bad_token", "wrong_site", "too_large",
                             "malformed", "invalid")}
    for reason, count in counts.items():
        assert collector.value("pantau_agent_pushes_rejected_total", reason=reason) == count
    assert "intruder" not in text
    wait_until(lambda: agent_value(collector, "pantau_agent_reports_total", "db")
               >= db_reports + 3, timeout=10, what="db's reports to go on")
    assert agent_value(collector, "pantau_agent_up", "db") == 1.0
    assert agent_value(collector, "pantau_agent_reports_total", "web") == 0


def encode_zeros(size: int) -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(b'{"samples": "' + b"0" * size + b'"}') + packer.flush()


def test_a_check_push_is_judged_but_not_stored(collector):
    body = encode(HostReader().read(), 5, 0)
    status, answer = post(collector.base, "web", body, "web-token", path="check",
                          Content_Encoding="gzip")
    assert (status, answer) == (200, {"status": "checked", "seq": 5})
    assert agent_value(collector, "pantau_agent_reports_total") == 0
    assert agent_value(collector, "pantau_agent_up") == 0


def report_log(collector: CollectorProcess) -> ReportLog:
    log = ReportLog(collector.workdir / "data" / REPORT_LOG_FILE, retention=10**9)
    log.open()
    return log


def test_reports_made_while_the_collector_is_down_all_arrive_in_order_once(
        collector, start_agent):
    agent = start_agent("web", collector.base)
    wait_until(lambda: (agent_value(collector, "pantau_agent_reports_total") or 0) >= 3,
               timeout=20, what="three live reports")
    collector.stop()
    down_at = time.time()
    wait_until(lambda: agent.spooled() >= 8, timeout=20, what="reports to queue in the spool")
    # A restart (and a crash) of the agent while the collector is away loses nothing either.
    agent.stop()
    agent.start()
    wait_until(lambda: agent.spooled() >= 14, timeout=20, what="more reports in the spool")
    agent.stop(9)
    agent.start()
    wait_until(lambda: agent.spooled() >= 18, timeout=20, what="more reports in the spool")
    collector.start()
    back_at = time.time()
    wait_until(lambda: agent.spooled() == 0, timeout=30, what="the spool to drain")
    wait_up(collector)
    agent.stop()
    made = agent.state()["next_seq"]
    log = report_log(collector)
    try:
        reports = log.reports("web")
    finally:
        log.close()
    seqs = [r.seq for r in reports]
    assert seqs == list(range(seqs[0], made)), f"a report is missing:\n{agent.log}"
    arrival = [r.received_at for r in reports]
    assert arrival == sorted(arrival), "reports arrived out of order"
    during = [r for r in reports if down_at < r.timestamp < back_at]
    assert len(during) >= 18
    # Replayed reports keep the time they were made, and never became the current values.
    assert all(r.received_at >= back_at - 1 for r in during)
    assert not any(r.current for r in during if r.received_at - r.timestamp > 2.5)
    # Counted since the collector's restart: every report stored then, each once.
    restarted = [r for r in reports if r.received_at >= back_at - 1]
    assert agent_value(collector, "pantau_agent_reports_total") == len(restarted)
    # Those not shown as current (made longer than agents.silence before they arrived) are
    # the replayed ones, and counted as such.
    replayed = [r for r in restarted if not r.current]
    assert replayed
    assert agent_value(collector, "pantau_agent_reports_replayed_total") == len(replayed)
    assert time.time() - agent_value(collector, "node_time_seconds") < 5


def test_the_report_log_tells_that_a_silent_server_stayed_up(collector, start_agent):
    agent = start_agent("web", collector.base)
    wait_until(lambda: (agent_value(collector, "pantau_agent_reports_total") or 0) >= 2,
               timeout=20, what="two reports")
    agent.stop()
    gap_start = time.time()
    wait_until(lambda: agent_value(collector, "pantau_agent_up") == 0.0, timeout=10,
               what="the agent to be marked down after 2 s of silence")
    gap_end = time.time()
    agent.start()
    wait_up(collector)
    log = report_log(collector)
    try:
        assert log.server_stayed_up("web", gap_start, gap_end) is True
        assert log.boot_times_between("web", 0, time.time()) == [psutil.boot_time()]
        assert log.server_stayed_up("web", gap_start, time.time() + 60) is None
    finally:
        log.close()


def agent_check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60)


def test_https_push_and_check_verdicts(tmp_path, start_agent):
    pki = make_pki(tmp_path / "pki")
    process = CollectorProcess(
        sections(tls_cert_file=str(pki.cert_file), tls_key_file=str(pki.key_file)),
        tmp_path, ca_file=pki.ca_file)
    try:
        process.start()
        base = f"https://127.0.0.1:{process.port}"
        agent = start_agent("web", base, ca_file=pki.ca_file)
        wait_up(process)
        done = subprocess.run([sys.executable, "-m", "agent", "status", "-c",
                               str(agent.config_path)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stdout
        assert "last push: stored" in done.stdout

        def config(file: str, **changes) -> Path:
            values = {"collector": base, "name": "web", "token": "web-token",
                      "ca_file": pki.ca_file, **changes}
            path = tmp_path / f"{file}.conf"
            path.write_text("".join(f"{k} = {v}\n" for k, v in values.items()))
            return path

        for conf, status, verdict in [
            (config("ok"), 0, "OK"),
            (config("token", token="guess"), 1, "WRONG TOKEN"),
            (config("name", name="nobody"), 1, "UNKNOWN AGENT"),
            (config("ca", ca_file=pki.other_ca_file), 4, "TLS ERROR"),
            (config("down", collector=f"https://127.0.0.1:{free_port()}"), 3, "UNREACHABLE"),
        ]:
            done = agent_check(conf)
            assert done.returncode == status, done.stderr
            assert f": {verdict}" in done.stderr.splitlines()[-1]
            assert "node_load1 " in done.stdout
    finally:
        process.stop()
