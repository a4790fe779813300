"""Process and port plumbing for test agents (see ``tests.support.snmpd``)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
from typing import Any

_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def free_udp_port(address: str = "127.0.0.1") -> int:
    """A UDP port nothing listens on right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def die_with(parent: int) -> None:
    """In the child before exec: SIGKILL it when its parent ends, so that a test run killed
    before its teardown leaves no agent listening."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)  # the parent ended before the request took hold


def require_free_port(address: str, port: int) -> None:
    """Raise OSError (EADDRINUSE) when something has the UDP port bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((address, port))


def signal_group(process: subprocess.Popen[Any], signum: int) -> None:
    # snmpd was started in a session of its own, so its process group id is its pid, and the
    # group outlives snmpd for as long as one of its pass_persist programs does.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
