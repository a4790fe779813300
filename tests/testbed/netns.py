"""Creating, configuring and deleting the testbed's network namespaces."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence

from .commands import Job, ip_batch, netns_exec, run, run_all, try_run

NETNS_DIR = "/run/netns"
_TESTBED_NETNS = re.compile(r"ptb-(\d+)-\d+")

# Every testbed namespace routes (ip_forward), accepts replies that return over another link
# than the request left by (rp_filter off: dual-homed sites), ignores routes through a veth
# whose peer is down (so the backup route takes over), sends no redirects while a backup route
# runs back the way a packet came, and has no IPv6, so that nothing but the planned IPv4 traffic
# crosses the veths.
SYSCTLS = (
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    "net.ipv4.conf.all.ignore_routes_with_linkdown=1",
    "net.ipv4.conf.default.ignore_routes_with_linkdown=1",
    "net.ipv4.conf.all.send_redirects=0",
    "net.ipv4.conf.default.send_redirects=0",
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
)


def existing() -> list[str]:
    """Names of all named network namespaces on the machine."""
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def testbed_namespaces() -> list[tuple[str, int]]:
    """``(name, creator pid)`` of every namespace named like a testbed's."""
    found = []
    for name in existing():
        match = _TESTBED_NETNS.fullmatch(name)
        if match:
            found.append((name, int(match.group(1))))
    return found


def pid_alive(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


def create(names: Sequence[str]) -> None:
    """Create the namespaces, then give each the testbed's sysctls and an up loopback.

    Sysctls come before any veth so that the ``default`` values apply to the new interfaces.
    """
    run(ip_batch([f"netns add {name}" for name in names]))
    run_all([Job(netns_exec(name, ("sysctl", "-q", "-w", *SYSCTLS))) for name in names])


def delete(names: Iterable[str]) -> list[str]:
    """Delete those of ``names`` that exist; return failure descriptions, never raise.

    Deleting a namespace destroys the veth ends inside it (the kernel does so asynchronously,
    once the last process in it has gone).
    """
    present = set(existing())
    doomed = [name for name in names if name in present]
    if not doomed:
        return []
    failure = try_run(ip_batch([f"netns del {name}" for name in doomed]))
    if failure is None:
        return []
    # One namespace that refused must not keep the others alive.
    failures = [failure]
    for name in doomed:
        if name in existing():
            again = try_run(Job(("ip", "netns", "del", name)))
            if again:
                failures.append(again)
    return failures
