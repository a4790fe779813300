"""The namespace testbed itself: reachability, cuts with failover, loss, host addresses, cleanup.

Reachability is judged from the root namespace with fping, the way the collector sees it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.testbed import Testbed, TestbedError, require_root, wait_until
from tests.testbed import rootns as testbed_rootns
from tests.testbed.example import EXAMPLE_LINKS, declare_example
from tests.testbed.fping import answering, loss_ratio

pytestmark = pytest.mark.e2e

@pytest.fixture
def example(make_testbed) -> Testbed:
    tb = make_testbed()
    declare_example(tb)
    tb.start()
    return tb


def targets(tb: Testbed, links=EXAMPLE_LINKS) -> dict[tuple[str, str], str]:
    return {link: tb.target(*link) for link in links}


def wait_answering(addresses, expected, timeout: float = 10.0) -> None:
    """Wait until exactly ``expected`` of ``addresses`` answer."""
    seen: set[str] = set()

    def exactly_expected() -> bool:
        seen.clear()
        seen.update(answering(addresses))
        return seen == set(expected)

    try:
        wait_until(exactly_expected, timeout, what="the expected targets answering")
    except TimeoutError:
        pytest.fail(f"expected exactly {sorted(expected)} to answer, got {sorted(seen)}")


def route_via(tb: Testbed, site: str, address: str) -> str:
    """The gateway ``site`` uses toward ``address``."""
    route = json.loads(tb.run(site, ["ip", "-j", "route", "get", address]).stdout)[0]
    return route.get("gateway", "")


def leftovers() -> list[str]:
    """What this process's testbeds may leave behind: namespaces, root-side links, routes.

    Only names carrying our pid count: other processes may be running tests of their own.
    """
    pid = os.getpid()
    namespaces = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    found = [f"netns {name}" for name in namespaces if re.fullmatch(rf"ptb-{pid}-\d+", name)]
    ours = f"ptb{pid:x}"
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    found += [line for line in links.stdout.splitlines() if f": {ours}" in line]
    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True,
                            text=True, check=True)
    found += [line for line in routes.stdout.splitlines() if f"dev {ours}" in line]
    return found


def test_every_target_of_the_example_answers(example):
    require_root()
    assert answering(targets(example).values()) == set(targets(example).values())
    assert example.collector_address == "198.18.0.1"
    assert example.target("opd1", "fo") == "198.18.1.6"
    assert example.config_sites()[:2] == [
        {"name": "core", "links": [{"name": "uplink", "kind": "fiber", "targets": ["198.18.1.2"]}]},
        {"name": "opd1", "links": [{"name": "fo", "kind": "fiber", "parent": "core",
                                    "targets": ["198.18.1.6"]}]},
    ]
    assert [link["name"] for link in example.config_sites()[4]["links"]] == ["fo", "backup"]


def test_cutting_the_relay_cuts_everything_that_hangs_only_on_it(example):
    """Sites do not carry traffic between their parents: with relay/radio cut, the hotspot
    and dual's backup (whose far end is the relay) go dark, while dual stays reachable over
    its fibre."""
    require_root()
    addresses = targets(example)
    everyone = set(addresses.values())
    cut_off = {addresses["relay", "radio"], addresses["hotspot", "radio"],
               addresses["dual", "backup"]}
    example.cut("relay", "radio")
    example.cut("relay", "radio")
    wait_answering(everyone, everyone - cut_off)

    example.restore("relay", "radio")
    example.restore("relay", "radio")
    wait_answering(everyone, everyone)
    assert route_via(example, "core", addresses["hotspot", "radio"]) == \
        addresses["relay", "radio"]


def test_dual_homed_site_fails_over_to_its_backup(example):
    require_root()
    addresses = targets(example)
    everyone = set(addresses.values())
    hosts = example.add_host_addresses("dual", 5)
    assert route_via(example, "core", hosts[0]) == addresses["dual", "fo"]
    example.cut("dual", "fo")
    wait_answering([*everyone, *hosts], everyone - {addresses["dual", "fo"]} | set(hosts))
    assert route_via(example, "core", hosts[0]) == addresses["relay", "radio"]
    example.restore("dual", "fo")
    wait_answering([*everyone, *hosts], everyone | set(hosts))
    assert route_via(example, "core", hosts[0]) == addresses["dual", "fo"]


def test_loss_drops_the_set_share_and_clears(example):
    require_root()
    opd = example.target("opd1", "fo")
    example.set_loss("opd1", "fo", 100)
    assert loss_ratio(opd, 20) == 1.0
    # 400 echoes at 30 %: the standard deviation of the measured share is 2.3 points.
    example.set_loss("opd1", "fo", 30)
    assert 0.22 <= loss_ratio(opd, 400) <= 0.38
    example.clear_loss("opd1", "fo")
    assert loss_ratio(opd, 100) == 0.0
    example.clear_loss("opd1", "fo")


def test_loss_also_hits_sites_behind_the_link(example):
    require_root()
    addresses = targets(example)
    example.set_loss("relay", "radio", 100)
    behind = {addresses["relay", "radio"], addresses["hotspot", "radio"],
              addresses["dual", "backup"]}
    assert answering(addresses.values(), retries=0) == set(addresses.values()) - behind
    example.clear_loss("relay", "radio")
    assert answering(addresses.values()) == set(addresses.values())


def test_host_addresses_before_and_after_start(make_testbed):
    require_root()
    tb = make_testbed()
    declare_example(tb)
    early = tb.add_host_addresses("hotspot", 50)
    tb.start()
    late = tb.add_host_addresses("opd1", 200)
    assert early[0] == "198.19.0.0" and late[0] == "198.19.1.0" and len(set(early + late)) == 250
    assert answering(early + late) == set(early + late)
    started = time.monotonic()
    many = tb.add_host_addresses("dual", 1000)
    assert time.monotonic() - started < 3.0
    assert answering(many) == set(many)


@pytest.mark.parametrize("failing_step", ["add_uplink", "add_route"])
def test_nothing_is_left_after_close_or_a_failed_start(make_testbed, monkeypatch, failing_step):
    require_root()
    tb = make_testbed()
    declare_example(tb)
    started = time.monotonic()
    tb.start()
    assert time.monotonic() - started < 2.0
    tb.close()
    tb.close()
    assert leftovers() == []

    def broken(*args, **kwargs):
        raise TestbedError(f"{failing_step} broken on purpose")

    monkeypatch.setattr(testbed_rootns, failing_step, broken)
    half = make_testbed()
    declare_example(half)
    with pytest.raises(TestbedError, match="broken on purpose"):
        half.start()
    assert leftovers() == []


def test_declaration_mistakes_are_refused_before_anything_is_built(make_testbed):
    require_root()
    tb = make_testbed()
    declare_example(tb)
    with pytest.raises(TestbedError, match="parent 'nowhere' is not a declared site"):
        tb.add_link("opd1", "radio", parent="nowhere", kind="wireless")
    with pytest.raises(TestbedError, match="'opd1' has no link 'radio'"):
        tb.target("opd1", "radio")
    tb.add_site("island")
    with pytest.raises(TestbedError, match="without a path of links to the collector: island"):
        tb.start()
    assert leftovers() == []


def test_a_foreign_route_in_the_range_is_refused_and_kept(make_testbed):
    require_root()
    # A blackhole route sends nothing anywhere; it only occupies the range.
    subprocess.run(["ip", "route", "add", "blackhole", "198.19.255.252/30"], check=True)
    try:
        tb = make_testbed()
        declare_example(tb)
        with pytest.raises(TestbedError, match=r"already uses 198\.18\.0\.0/15.*198\.19\.255"):
            tb.start()
        kept = subprocess.run(["ip", "route", "show", "198.19.255.252/30"],
                              capture_output=True, text=True, check=True).stdout
        assert "blackhole" in kept
    finally:
        subprocess.run(["ip", "route", "del", "blackhole", "198.19.255.252/30"], check=True)
    assert leftovers() == []


def test_a_second_testbed_waits_for_the_lock(make_testbed, tmp_path):
    require_root()
    lock_path = tmp_path / "testbed.lock"
    with open(lock_path, "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        tb = make_testbed(lock_path=str(lock_path), lock_timeout=0.3)
        declare_example(tb)
        with pytest.raises(TestbedError, match="another testbed holds"):
            tb.start()
    tb = make_testbed(lock_path=str(lock_path), lock_timeout=0.3)
    declare_example(tb)
    tb.start()


def test_leftovers_of_a_dead_process_are_swept(make_testbed):
    require_root()
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert not os.path.exists(f"/proc/{gone.pid}")
    stale_netns, stale_dev = f"ptb-{gone.pid}-0", f"ptb{gone.pid:x}r"
    subprocess.run(["ip", "netns", "add", stale_netns], check=True)
    try:
        subprocess.run(["ip", "link", "add", stale_dev, "type", "veth", "peer", "name", "stale",
                        "netns", stale_netns], check=True)
        tb = make_testbed()
        declare_example(tb)
        tb.start()
        assert stale_netns not in os.listdir("/run/netns")
        assert not os.path.exists(f"/sys/class/net/{stale_dev}")
    finally:
        subprocess.run(["ip", "link", "del", stale_dev], capture_output=True)
        subprocess.run(["ip", "netns", "del", stale_netns], capture_output=True)


def test_processes_run_inside_the_site_and_die_at_close(make_testbed):
    require_root()
    tb = make_testbed(kill_grace=0.5)
    declare_example(tb)
    tb.start()
    addresses = tb.run("opd1", ["ip", "-o", "-4", "addr", "show"]).stdout
    assert tb.target("opd1", "fo") in addresses and tb.target("dual", "fo") not in addresses
    assert tb.run("opd1", ["false"], check=False).returncode == 1
    with pytest.raises(TestbedError, match="exit 1"):
        tb.run("opd1", ["false"])

    polite = tb.popen("opd1", ["sleep", "600"])
    stubborn = tb.popen("relay", [sys.executable, "-c",
                                  "import signal, time\n"
                                  "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                  "print('ready', flush=True)\n"
                                  "time.sleep(600)\n"],
                        stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout.readline() == "ready\n"
    tb.close()
    assert polite.returncode == -signal.SIGTERM
    assert stubborn.returncode == -signal.SIGKILL
    stubborn.stdout.close()
    assert leftovers() == []
