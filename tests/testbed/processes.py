"""Processes started inside site namespaces, all stopped when the testbed closes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import Any


class ProcessGroup:
    """Tracks started processes; ``stop_all`` ends them with SIGTERM, then SIGKILL after
    ``grace`` seconds.

    Each process starts in a session of its own (unless the caller says otherwise), so the
    signals reach whatever it forked as well.
    """

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self._started: list[subprocess.Popen[Any]] = []

    def start(self, argv: Sequence[str], **popen_kwargs: Any) -> subprocess.Popen[Any]:
        popen_kwargs.setdefault("start_new_session", True)
        proc: subprocess.Popen[Any] = subprocess.Popen(list(argv), **popen_kwargs)
        self._started.append(proc)
        return proc

    def stop_all(self) -> list[str]:
        """Stop every process still running; return descriptions of those that would not die."""
        running = [proc for proc in self._started if proc.poll() is None]
        self._started.clear()
        for proc in running:
            _signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for proc in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        failures = []
        for proc in running:
            if proc.poll() is None:
                _signal(proc, signal.SIGKILL)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    failures.append(f"process {proc.pid} {proc.args!r} survived SIGKILL")
        return failures


def _signal(proc: subprocess.Popen[Any], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, signum)
        else:
            proc.send_signal(signum)
