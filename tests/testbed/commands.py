"""Running ``ip``, ``nft`` and ``sysctl``: argument lists only, every failure a TestbedError.

Batches go through ``ip -batch -`` so that hundreds of changes cost one process; jobs for
different namespaces run side by side.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import TestbedError

COMMAND_TIMEOUT = 60.0
# Concurrent processes at most; a topology with many sites is configured in waves of this size.
MAX_PARALLEL = 16

_BATCH_FAILURE = re.compile(r"Command failed -:(\d+)")


@dataclass(frozen=True)
class Job:
    """One command, with the text fed to its stdin (the lines of a batch)."""

    argv: tuple[str, ...]
    stdin: str | None = None


def ip_batch(lines: Sequence[str], netns: str | None = None) -> Job:
    """A job running ``lines`` through ``ip -batch``, inside ``netns`` when given."""
    argv = ("ip", "-n", netns, "-batch", "-") if netns else ("ip", "-batch", "-")
    return Job(argv, "".join(f"{line}\n" for line in lines))


def netns_exec(netns: str, argv: Sequence[str]) -> tuple[str, ...]:
    """The argument list that runs ``argv`` inside ``netns``."""
    return ("ip", "netns", "exec", netns, *argv)


def run(job: Job, *, timeout: float = COMMAND_TIMEOUT) -> str:
    """Run one job and return its stdout; raise TestbedError unless it exits 0."""
    return run_all([job], timeout=timeout)[0]


def run_all(jobs: Sequence[Job], *, timeout: float = COMMAND_TIMEOUT) -> list[str]:
    """Run ``jobs`` concurrently (``MAX_PARALLEL`` at a time) and return their stdouts in order.

    Raises one TestbedError naming every job that failed, after all of them have ended.
    """
    outputs: list[str] = []
    failures: list[str] = []
    for first in range(0, len(jobs), MAX_PARALLEL):
        wave_outputs, wave_failures = _run_wave(jobs[first : first + MAX_PARALLEL], timeout)
        outputs += wave_outputs
        failures += wave_failures
    if failures:
        raise TestbedError("\n".join(failures))
    return outputs


def try_run(job: Job, *, timeout: float = COMMAND_TIMEOUT) -> str | None:
    """Run ``job``; return the failure description instead of raising (teardown keeps going)."""
    try:
        run_all([job], timeout=timeout)
    except TestbedError as exc:
        return str(exc)
    return None


def _run_wave(jobs: Sequence[Job], timeout: float) -> tuple[list[str], list[str]]:
    outputs = [""] * len(jobs)
    failures: list[str] = []
    started: list[tuple[int, subprocess.Popen[str]]] = []
    try:
        for number, job in enumerate(jobs):
            try:
                proc = subprocess.Popen(
                    job.argv,
                    stdin=subprocess.PIPE if job.stdin is not None else subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            except OSError as exc:
                failures.append(f"{shlex.join(job.argv)}: cannot start: {exc}")
                continue
            started.append((number, proc))
        for number, proc in started:
            job = jobs[number]
            try:
                out, err = proc.communicate(job.stdin, timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                failures.append(f"{shlex.join(job.argv)}: no answer within {timeout} s")
                continue
            outputs[number] = out
            if proc.returncode != 0:
                failures.append(_describe(job, proc.returncode, err))
    finally:
        for _, proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return outputs, failures


def _describe(job: Job, returncode: int, stderr: str) -> str:
    """Name the command, and for a batch the line that failed, then quote stderr."""
    where = shlex.join(job.argv)
    match = _BATCH_FAILURE.search(stderr)
    if match and job.stdin is not None:
        lines = job.stdin.splitlines()
        number = int(match.group(1))
        if 0 < number <= len(lines):
            where = f"{where}: line {number} {lines[number - 1]!r}"
    message = stderr.strip() or "(no stderr)"
    return f"{where}: exit {returncode}: {message}"
