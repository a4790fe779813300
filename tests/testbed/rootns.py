"""The testbed's footprint in the root namespace: the machine-wide lock, the one veth pair to the
noc router with its route, and the sweep of what a killed run left behind."""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from ipaddress import IPv4Address, IPv4Network

from . import netns
from .commands import Job, ip_batch, run, try_run
from .errors import TestbedError
from .plan import COLLECTOR_ADDRESS, NOC_ADDRESS, TESTBED_NET, Names

LOCK_PATH = "/run/pantau-testbed.lock"
# Routing protocol number marking the root-namespace routes a testbed adds, so a leftover can
# be told apart from a route somebody else owns.
ROUTE_PROTO = "112"
_ROOT_DEV = re.compile(r"ptb([0-9a-f]+)r")


class MachineLock:
    """An exclusive flock held for a testbed's lifetime: two testbeds on one machine take turns."""

    def __init__(self, path: str = LOCK_PATH) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, timeout: float, interval: float = 0.1) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / interval) + 2):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(interval)
                continue
            self._fd = fd
            return
        os.close(fd)
        raise TestbedError(f"another testbed holds {self.path}; gave up after {timeout} s")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def sweep_stale(own_pid: int) -> list[str]:
    """Remove what testbeds of dead processes left: namespaces, root veth ends, guard routes.

    Call with the machine lock held: then no other testbed is live, and names carrying our own
    pid can only be leftovers of an earlier testbed of this process. Returns failures.
    """
    def stale(pid: int) -> bool:
        return pid == own_pid or not netns.pid_alive(pid)

    failures = netns.delete(name for name, pid in netns.testbed_namespaces() if stale(pid))
    # Deleting the root end removes its peer and the route through it at once, where deleting
    # the noc namespace would only do so asynchronously.
    for entry in json.loads(run(Job(("ip", "-j", "link", "show", "type", "veth"))) or "[]"):
        match = _ROOT_DEV.fullmatch(entry.get("ifname", ""))
        if match and stale(int(match.group(1), 16)):
            failures += _failed(Job(("ip", "link", "del", "dev", match.group(0))))
    failures += _failed(Job(("ip", "route", "flush", "proto", ROUTE_PROTO)))
    return failures


def ensure_unused() -> None:
    """Refuse to build when the root namespace already has an address or route in the range."""
    found = []
    for entry in json.loads(run(Job(("ip", "-j", "-4", "addr", "show"))) or "[]"):
        for info in entry.get("addr_info", []):
            if IPv4Address(info["local"]) in TESTBED_NET:
                found.append(f"address {info['local']}/{info['prefixlen']} on {entry['ifname']}")
    for entry in json.loads(run(Job(("ip", "-j", "-4", "route", "show", "table", "all"))) or "[]"):
        dst = entry.get("dst", "default")
        if dst != "default" and IPv4Network(dst, strict=False).subnet_of(TESTBED_NET):
            found.append(f"route {entry.get('type', 'unicast')} {dst} "
                         f"dev {entry.get('dev', '-')} table {entry.get('table', 'main')}")
    if found:
        raise TestbedError(f"the root namespace already uses {TESTBED_NET} (is another testbed "
                           f"running?): {'; '.join(found)}")


def add_uplink(names: Names, noc_netns: str) -> None:
    """The veth pair from the root namespace to the noc router, root end up and addressed."""
    run(ip_batch([f"link add {names.root_dev} type veth peer name {names.noc_dev} "
                  f"netns {noc_netns}"]))
    # No IPv6 on the root end either: nothing but the planned IPv4 traffic crosses it.
    with open(f"/proc/sys/net/ipv6/conf/{names.root_dev}/disable_ipv6", "w") as knob:
        knob.write("1")
    run(ip_batch([f"addr add {COLLECTOR_ADDRESS}/30 dev {names.root_dev}",
                  f"link set {names.root_dev} up"]))


def noc_uplink_lines(names: Names) -> list[str]:
    """Batch lines for the noc end of the uplink, run inside the noc namespace."""
    return [f"addr add {NOC_ADDRESS}/30 dev {names.noc_dev}", f"link set {names.noc_dev} up"]


def add_route(names: Names) -> None:
    run(Job(("ip", "route", "replace", str(TESTBED_NET), "via", str(NOC_ADDRESS),
             "dev", names.root_dev, "proto", ROUTE_PROTO)))


def remove_uplink(names: Names) -> list[str]:
    """Delete the root end of the uplink; return failures, never raise.

    An ``unreachable`` route replaces the route through it first, so that a ping still in flight
    while the namespaces go away fails locally instead of following the default route out.
    """
    failures = _failed(Job(("ip", "route", "replace", "unreachable", str(TESTBED_NET),
                            "proto", ROUTE_PROTO)))
    if os.path.exists(f"/sys/class/net/{names.root_dev}"):
        failures += _failed(Job(("ip", "link", "del", "dev", names.root_dev)))
    return failures


def remove_guard() -> list[str]:
    """Drop the ``unreachable`` route once the namespaces are gone."""
    return _failed(Job(("ip", "route", "del", "unreachable", str(TESTBED_NET),
                        "proto", ROUTE_PROTO)))


def _failed(job: Job) -> list[str]:
    failure = try_run(job)
    return [failure] if failure else []
