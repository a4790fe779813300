"""What the pinger measures on the testbed, held against fping and against nftables' own count."""

from __future__ import annotations

import asyncio
import statistics
import subprocess

import pytest

from collector.icmp import Pinger
from tests.testbed import Testbed, require_root

pytestmark = pytest.mark.e2e

ECHOES = 20
PERIOD_MS = 20


@pytest.fixture(scope="module")
def network():
    require_root()
    with Testbed() as tb:
        tb.add_site("core")
        tb.add_site("opd")
        tb.add_site("hotspot")
        tb.add_link("core", "uplink", parent=None, kind="fiber")
        tb.add_link("opd", "fo", parent="core", kind="fiber")
        tb.add_link("hotspot", "radio", parent="opd", kind="wireless")
        hosts = tb.add_host_addresses("opd", 100)
        tb.start()
        yield tb, hosts


def pantau_round(targets: list[str], echoes: int, interval: float):
    pinger = Pinger(socket_mode="auto")

    async def one_round():
        return await pinger.ping(targets, echoes, interval, timeout=1.0)

    try:
        return asyncio.run(one_round())
    finally:
        pinger.close()


def fping_medians(targets: list[str]) -> dict[str, float]:
    done = subprocess.run(
        ["fping", "-C", str(ECHOES), "-p", str(PERIOD_MS), "-q", *targets],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    medians = {}
    for line in done.stderr.splitlines():
        address, _, values = line.partition(" : ")
        medians[address.strip()] = statistics.median(float(v) / 1000 for v in values.split())
    return medians


def test_median_rtt_per_target_is_within_a_tenth_of_a_millisecond_of_fpings(network):
    tb, _ = network
    targets = [tb.target("core", "uplink"), tb.target("opd", "fo"), tb.target("hotspot", "radio")]
    reference = fping_medians(targets)
    results = pantau_round(targets, ECHOES, PERIOD_MS / 1000)
    for result in results:
        assert result.received == ECHOES
        ours = statistics.median(result.rtts)
        assert abs(ours - reference[result.target]) <= 0.0001, (
            f"{result.target}: pantau {ours * 1e3:.4f} ms, fping "
            f"{reference[result.target] * 1e3:.4f} ms")


def test_twenty_percent_loss_reads_as_twenty_percent(network):
    tb, hosts = network
    tb.set_loss("opd", "fo", 20)
    try:
        # 100 targets behind the lossy link x 20 echoes: 2000 echoes, whose loss share has a
        # standard deviation of 0.9 points at 20 %.
        results = pantau_round(hosts, ECHOES, PERIOD_MS / 1000)
        dropped = tb.dropped("opd", "fo")
    finally:
        tb.clear_loss("opd", "fo")
    sent = sum(r.sent for r in results)
    received = sum(r.received for r in results)
    assert sent == len(hosts) * ECHOES
    # Every echo that nftables dropped, and only those, is counted as lost.
    assert sent - received == dropped
    assert abs((sent - received) / sent - 0.20) <= 0.03
