"""Telling a running collector to read its config again, from the command line.

The collector writes its process id to ``collector.pid`` in its data directory while it runs,
and after every reload the outcome to ``reload.json`` there. `collector reload` validates the
config itself, sends SIGHUP to that process (as `systemctl reload` does to the unit's), and
waits for an outcome newer than its signal.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PID_FILE = "collector.pid"
OUTCOME_FILE = "reload.json"
WAIT = 60.0
"""How long `collector reload` waits for the outcome (a reload lets checks under way end)."""


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    lines: tuple[str, ...]
    """What changed, or why the config was refused."""
    at: float = 0.0
    pid: int = 0


def write_pid(data_dir: Path) -> None:
    _replace(data_dir / PID_FILE, f"{os.getpid()}\n")


def remove_pid(data_dir: Path) -> None:
    path = data_dir / PID_FILE
    try:
        if path.read_text().strip() == str(os.getpid()):
            path.unlink()
    except OSError:
        pass


def write_outcome(data_dir: Path, outcome: ReloadOutcome) -> None:
    _replace(data_dir / OUTCOME_FILE, json.dumps(
        {**asdict(outcome), "pid": os.getpid()}, ensure_ascii=False) + "\n")


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


class ControlError(Exception):
    """The collector cannot be told (none runs, or not this user's)."""


def running_pid(data_dir: Path) -> int:
    """The process id of the collector running on ``data_dir``."""
    path = data_dir / PID_FILE
    try:
        pid = int(path.read_text().strip())
    except FileNotFoundError:
        raise ControlError(f"no collector runs on {data_dir} (no {PID_FILE} there)") from None
    except (OSError, ValueError) as err:
        raise ControlError(f"cannot read {path}: {err}") from None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        raise ControlError(f"no collector runs on {data_dir} ({path} names process {pid}, "
                           "which has ended)") from None
    if b"collector" not in command:
        raise ControlError(f"{path} names process {pid}, which is not a collector")
    return pid


def read_outcome(data_dir: Path) -> ReloadOutcome | None:
    try:
        data = json.loads((data_dir / OUTCOME_FILE).read_text(encoding="utf-8"))
        return ReloadOutcome(bool(data["ok"]), tuple(str(x) for x in data["lines"]),
                             float(data["at"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def request_reload(data_dir: Path, wait: float = WAIT) -> ReloadOutcome:
    """Have the collector running on ``data_dir`` reload; its outcome."""
    pid = running_pid(data_dir)
    asked = time.time()
    try:
        os.kill(pid, signal.SIGHUP)
    except PermissionError:
        raise ControlError(f"not allowed to signal the collector (process {pid}): run this as "
                           "its user or root, or `systemctl reload pantau-collector`") from None
    except ProcessLookupError:
        raise ControlError(f"the collector (process {pid}) has just ended") from None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        outcome = read_outcome(data_dir)
        if outcome is not None and outcome.pid == pid and outcome.at >= asked:
            return outcome
        time.sleep(0.1)
    raise ControlError(f"the collector (process {pid}) did not say within {wait:g} s whether "
                       "the config took: see its log")
