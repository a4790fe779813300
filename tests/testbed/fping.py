"""Reachability as the collector sees it: ``fping`` from the root namespace."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable

from .errors import TestbedError

_SUMMARY = re.compile(r"xmt/rcv/%loss = (\d+)/(\d+)/")


def answering(addresses: Iterable[str], *, retries: int = 1, timeout_ms: int = 300) -> set[str]:
    """Those of ``addresses`` that answer an echo request (after up to ``retries`` retries)."""
    targets = list(addresses)
    if not targets:
        return set()
    argv = ["fping", "-a", "-r", str(retries), "-t", str(timeout_ms), "-i", "1"]
    # Targets go through stdin: a thousand of them would make a long command line.
    done = _fping(argv, "".join(f"{target}\n" for target in targets))
    return set(done.stdout.split())


def loss_ratio(address: str, count: int, *, period_ms: int = 10, timeout_ms: int = 300) -> float:
    """Share of ``count`` echo requests to ``address`` that got no reply."""
    argv = ["fping", "-q", "-c", str(count), "-p", str(period_ms), "-t", str(timeout_ms), address]
    done = _fping(argv, None)
    match = _SUMMARY.search(done.stderr)
    if not match:
        raise TestbedError(f"{' '.join(argv)}: no summary in {done.stderr.strip()!r}")
    sent, received = int(match.group(1)), int(match.group(2))
    return 1 - received / sent


def _fping(argv: list[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=300)
    # 0: all answered, 1: some did not; anything else is a usage or system error.
    if done.returncode not in (0, 1):
        raise TestbedError(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.strip()}")
    return done
