"""The agent under faults of its own host, against a real collector on loopback: a damaged
spool file does not hold back the reports behind it, and a full state directory does not stop
the agent: it reports live, and counts what it could neither push nor keep."""

from __future__ import annotations

import contextlib
import os
import subprocess

import pytest

from tests.integration.test_ingest import agent_value, collector, start_agent, wait_up  # noqa: F401
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def test_a_damaged_report_at_the_head_of_the_spool_is_set_aside(collector, start_agent,  # noqa: F811
                                                                 tmp_path):
    spool = tmp_path / "agent-web-0" / "state" / "spool"
    spool.mkdir(parents=True)
    (spool / f"{1:020d}.report").write_bytes(b"\x1f\x8b" + b"\x00" * 200)  # gzip cut short
    agent = start_agent("web", collector.base)
    wait_up(collector)
    wait_until(lambda: agent_value(collector, "pantau_agent_reports_total") >= 3, timeout=20,
               what="reports after the damaged one")
    assert (spool / "quarantine" / f"{1:020d}.report").exists()
    assert "moved to" in agent.log and "quarantine" in agent.log


@contextlib.contextmanager
def full_filesystem(path):
    """A 64 KiB tmpfs at ``path``, filled to the last byte."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    path.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(path)],
                   check=True)
    try:
        with contextlib.suppress(OSError), (path / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_state_directory_does_not_stop_the_agent(collector, start_agent,  # noqa: F811
                                                        tmp_path):
    with full_filesystem(tmp_path / "agent-web-0" / "state"):
        agent = start_agent("web", collector.base)
        wait_up(collector)
        assert "cannot use the spool" in agent.log or "cannot save the agent's state" in \
            agent.log
        # While the collector is away, reports can be neither pushed nor kept: counted.
        collector.stop()
        wait_until(lambda: "is lost" in agent.log, timeout=20,
                   what="a report the agent could not keep")
        collector.start()
        wait_up(collector)
        wait_until(lambda: (agent_value(collector, "pantau_agent_spool_dropped_reports_total")
                            or 0) >= 1, timeout=20, what="the lost reports counted")
        assert agent.running()
