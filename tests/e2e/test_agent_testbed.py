"""An agent inside a site pushes to the collector across the testbed, through a cut link."""

from __future__ import annotations

import functools
import json
import sys
import time

import psutil
import pytest

from collector.ingest import REPORT_LOG_FILE, ReportLog
from tests.support.agent_process import AgentProcess
from tests.support.collector_process import CollectorProcess
from tests.support.waiting import wait_until
from tests.testbed import Testbed, require_root
from tests.testbed.example import declare_example

pytestmark = pytest.mark.e2e

ICMP = {"interval": "1s", "jitter": 0, "echoes": 2, "echo_interval": "50ms", "timeout": "300ms"}
AGENTS = {"silence": "2s", "expire": "1m",
          "clients": [{"name": "srv-opd1", "site": "opd1", "token": "opd1-token"}]}
READ_NICS = ("import json, psutil; print(json.dumps({n: c.bytes_recv for n, c in "
             "psutil.net_io_counters(pernic=True).items()}))")


@pytest.fixture
def network(tmp_path):
    require_root()
    with Testbed() as tb:
        declare_example(tb)
        tb.start()
        collector = CollectorProcess({"icmp": ICMP, "agents": AGENTS,
                                      "sites": tb.config_sites()},
                                     tmp_path, host=tb.collector_address)
        agent = AgentProcess(tmp_path / "agent", {
            "collector": f"http://{tb.collector_address}:{collector.port}",
            "name": "srv-opd1", "site": "opd1", "token": "opd1-token"},
            launcher=functools.partial(tb.popen, "opd1"))
        try:
            collector.start()
            agent.start()
            yield tb, collector, agent
        finally:
            agent.stop()
            collector.stop()


def value(collector: CollectorProcess, name: str, **labels: str) -> float | None:
    return collector.value(name, agent="srv-opd1", site="opd1", **labels)


def test_series_arrive_labelled_and_every_report_survives_a_cut(network):
    tb, collector, agent = network
    wait_until(lambda: value(collector, "pantau_agent_up") == 1.0, timeout=20, interval=0.1,
               what="the agent in opd1 to be up")

    # Plausible values: the same host (namespaces share it), read by psutil independently.
    assert value(collector, "node_boot_time_seconds") == psutil.boot_time()
    assert value(collector, "node_memory_MemTotal_bytes") == psutil.virtual_memory().total
    inside = json.loads(tb.run("opd1", [sys.executable, "-c", READ_NICS]).stdout)
    nics = {name for name in inside if name != "lo"}
    assert nics, "opd1 has its link's interface"
    for nic in nics:
        exposed = value(collector, "node_network_receive_bytes_total", device=nic)
        assert exposed is not None and 0 < exposed <= inside[nic], nic
    assert value(collector, "node_network_receive_bytes_total", device="lo") is None

    tb.cut("opd1", "fo")
    cut_at = time.time()
    try:
        wait_until(lambda: agent.spooled() >= 5, timeout=20, what="reports in the spool")
        # Counted only now: a push under way when the link went down may have been stored.
        during_cut = value(collector, "pantau_agent_reports_total")
        wait_until(lambda: value(collector, "pantau_agent_up") == 0.0, timeout=10,
                   what="the silent agent to be marked down")
        # Restarted while cut off: what it had spooled stays, and numbering goes on.
        agent.stop()
        agent.start()
        wait_until(lambda: agent.spooled() >= 12, timeout=20, what="more reports in the spool")
        assert value(collector, "pantau_agent_reports_total") == during_cut
    finally:
        tb.restore("opd1", "fo")
    restored_at = time.time()
    wait_until(lambda: agent.spooled() == 0, timeout=30, what="the spool to drain")
    wait_until(lambda: value(collector, "pantau_agent_up") == 1.0, timeout=10,
               what="the agent to be up again")
    agent.stop()

    made = agent.state()["next_seq"]
    log = ReportLog(collector.workdir / "data" / REPORT_LOG_FILE, retention=10**9)
    log.open()
    try:
        reports = log.reports("srv-opd1")
        assert log.server_stayed_up("srv-opd1", cut_at, restored_at) is True
    finally:
        log.close()
    seqs = [r.seq for r in reports]
    assert seqs == list(range(seqs[0], made)), "every report made arrives, none twice"
    assert [r.received_at for r in reports] == sorted(r.received_at for r in reports)
    during = [r for r in reports if cut_at < r.timestamp < restored_at]
    assert len(during) >= 12
    assert all(r.received_at >= restored_at - 0.5 for r in during)
    # A push the cut caught after the collector stored it comes again; the log keeps it once.
    assert value(collector, "pantau_agent_reports_total") == len(reports)
