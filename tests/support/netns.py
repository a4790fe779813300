"""A bare network namespace for tests that need an isolated stack (loopback only)."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
from collections.abc import Iterator

import pytest

_counter = itertools.count()


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to create network namespaces; CI runs as root")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def isolated_netns(ping_group_range: str | None = None) -> Iterator[str]:
    """A namespace with only ``lo`` up; deleted on exit, also when the test fails."""
    require_root()
    name = f"ptiso-{os.getpid()}-{next(_counter)}"
    _ip("netns", "add", name)
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        if ping_group_range is not None:
            subprocess.run(
                ["ip", "netns", "exec", name, "sysctl", "-qw",
                 f"net.ipv4.ping_group_range={ping_group_range}"],
                check=True, capture_output=True, timeout=30)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def netns_exec(name: str, argv: list[str], user: int | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside the namespace, as ``user`` (uid=gid) when given."""
    prefix = ["ip", "netns", "exec", name]
    if user is not None:
        prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    return subprocess.run(prefix + argv, capture_output=True, text=True, timeout=timeout,
                          cwd=os.getcwd())
