"""The pinger against the real kernel: loopback, datagram and raw sockets."""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from collector.errors import IcmpUnavailableError
from collector.icmp import Pinger, PingError
from tests.support.netns import isolated_netns, netns_exec, require_root

pytestmark = pytest.mark.integration

NOBODY = 65534


def ping(pinger: Pinger, targets, echoes=3, interval=0.02, timeout=1.0):
    return asyncio.run(pinger.ping(targets, echoes, interval, timeout))


def run_ping_once(netns: str, mode: str, targets: list[str], timeout: float = 1.0,
                  user: int | None = None) -> dict:
    done = netns_exec(netns, [sys.executable, "-m", "tests.integration.ping_once", mode,
                              str(timeout), *targets], user=user)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_raw_socket_gets_every_reply_from_loopback_v4_and_v6():
    require_root()
    pinger = Pinger(socket_mode="raw")
    try:
        results = ping(pinger, ["127.0.0.1", "127.0.0.2", "::1"], echoes=4)
    finally:
        pinger.close()
    for result in results:
        assert (result.sent, result.received, result.error) == (4, 4, None)
        assert all(0 < rtt < 0.05 for rtt in result.rtts)


def test_datagram_socket_works_unprivileged_where_ping_group_range_allows():
    with isolated_netns(ping_group_range="0 2147483647") as netns:
        out = run_ping_once(netns, "auto", ["127.0.0.1", "127.0.0.9"], user=NOBODY)
    assert out["socket"] == "datagram"
    assert [(r["sent"], r["received"]) for r in out["results"]] == [(3, 3), (3, 3)]


def test_auto_falls_back_to_raw_when_datagram_sockets_are_not_allowed():
    with isolated_netns(ping_group_range="1 0") as netns:
        out = run_ping_once(netns, "auto", ["127.0.0.1"])
    assert out["socket"] == "raw"
    assert out["results"][0]["received"] == 3


def test_neither_socket_allowed_stops_the_collector_with_advice():
    # pytest's tmp_path is private to root; the unprivileged collector must read this one.
    workdir = Path(tempfile.mkdtemp(prefix="pantau-test-"))
    try:
        workdir.chmod(0o755)
        config = workdir / "c.yml"
        config.write_text(
            "collector: {listen: '127.0.0.1:9147', data_dir: " + str(workdir) + "}\n"
            "sites:\n  - name: core\n    links:\n"
            "      - {name: lan, kind: fiber, targets: [127.0.0.1]}\n")
        config.chmod(0o644)
        with isolated_netns(ping_group_range="1 0") as netns:
            done = netns_exec(netns, [sys.executable, "-m", "collector", "run", "-c",
                                      str(config)], user=NOBODY, timeout=30)
    finally:
        shutil.rmtree(workdir)
    assert done.returncode == 1, done.stderr
    assert "net.ipv4.ping_group_range" in done.stderr
    assert "CAP_NET_RAW" in done.stderr


def test_unroutable_target_is_a_send_error_not_loss():
    with isolated_netns() as netns:
        out = run_ping_once(netns, "raw", ["198.18.77.1", "127.0.0.1"])
    unroutable, loopback = out["results"]
    assert (unroutable["sent"], unroutable["error"]) == (0, PingError.NO_ROUTE.value)
    assert (loopback["sent"], loopback["received"], loopback["error"]) == (3, 3, None)


def test_silent_target_is_loss_and_the_round_ends_at_its_timeout():
    with isolated_netns() as netns:
        # The echoes leave the socket and the kernel drops them before any reply is made.
        for argv in (["ip", "address", "add", "198.18.200.1/32", "dev", "lo"],
                     ["nft", "add table inet silent; "
                      "add chain inet silent input { type filter hook input priority 0; }; "
                      "add rule inet silent input ip daddr 198.18.200.1 drop"]):
            done = netns_exec(netns, argv)
            assert done.returncode == 0, done.stderr
        started = time.monotonic()
        out = run_ping_once(netns, "raw", ["198.18.200.1"], timeout=0.5)
        elapsed = time.monotonic() - started
    result = out["results"][0]
    assert (result["sent"], result["received"], result["error"]) == (3, 0, None)
    assert elapsed >= 0.5 + 2 * 0.05


def test_concurrent_rounds_share_one_socket():
    require_root()
    pinger = Pinger(socket_mode="raw")

    async def both():
        return await asyncio.gather(
            pinger.ping(["127.0.0.1", "127.0.0.2"], 5, 0.01, 1.0),
            pinger.ping(["127.0.0.1", "127.0.0.3"], 5, 0.013, 1.0))

    try:
        first, second = asyncio.run(both())
    finally:
        pinger.close()
    assert [r.received for r in first + second] == [5, 5, 5, 5]


def test_forced_raw_socket_without_privilege_names_the_setting():
    if os.geteuid() == 0:
        with isolated_netns(ping_group_range="1 0") as netns:
            done = netns_exec(netns, [sys.executable, "-c",
                                      "from collector.icmp import Pinger; Pinger('raw').open()"],
                              user=NOBODY)
        assert done.returncode != 0
        assert "icmp.socket is 'raw'" in done.stderr
    else:
        with pytest.raises(IcmpUnavailableError, match=r"icmp\.socket is 'raw'"):
            Pinger("raw").open()


def test_many_targets_in_one_burst_lose_nothing():
    require_root()
    pinger = Pinger(socket_mode="raw")
    targets = [f"127.0.{i // 250}.{i % 250 + 1}" for i in range(1000)]
    try:
        results = ping(pinger, targets, echoes=2, interval=0.05, timeout=2.0)
    finally:
        pinger.close()
    assert sum(r.received for r in results) == 2000


def test_subprocess_helper_is_importable():
    # Guards the helper the namespace tests run, so a broken import fails loudly here.
    done = subprocess.run([sys.executable, "-c", "import tests.integration.ping_once"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
