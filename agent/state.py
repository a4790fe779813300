"""What the agent remembers between runs: the next sequence number, its counts, its last push.

Kept as a small JSON file beside the spool. ``agent status`` reads it to tell how the last push
went without asking the running agent.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

STATE_FILE = "state.json"
SPOOL_DIR = "spool"
# psutil takes the boot time from the kernel's btime, whole seconds that NTP can nudge by one.
BOOT_TIME_TOLERANCE = 2.0


class AgentState:
    def __init__(self, directory: str, clock: Callable[[], float] = time.time) -> None:
        self.path = os.path.join(directory, STATE_FILE)
        self._clock = clock
        self.next_seq = 0
        self.boot_time = 0.0
        self.dropped = 0
        """Reports the spool threw away to stay within its bounds, over the agent's life."""
        self.rejected = 0
        """Reports the collector refused for what they held (never sent again)."""
        self.last_push: dict[str, object] = {}
        self.last_delivery_at: float | None = None
        self.save_error: str | None = None
        """Why the last save failed, while it fails."""

    def load(self, boot_time: float, spool_last_seq: int | None) -> None:
        """Read the file, and choose the next sequence number so that none is ever reused.

        The file is replaced on every report but not flushed to disk (the spool is); a power
        cut may therefore bring back an older file. Then, and when there is no file at all,
        numbering restarts from the clock in milliseconds, which is past every number used
        before as long as reports are more than a millisecond apart.
        """
        saved = read_state(self.path)
        self.dropped = int(saved.get("dropped", 0))
        self.rejected = int(saved.get("rejected", 0))
        self.last_push = dict(saved.get("last_push", {}))
        self.last_delivery_at = saved.get("last_delivery_at")
        candidates = [int(saved.get("next_seq", 0))]
        if spool_last_seq is not None:
            candidates.append(spool_last_seq + 1)
        same_boot = abs(float(saved.get("boot_time", 0.0)) - boot_time) <= BOOT_TIME_TOLERANCE
        if not saved or not same_boot:
            candidates.append(int(self._clock() * 1000))
        self.next_seq = max(candidates)
        self.boot_time = boot_time

    def take_seq(self) -> int:
        """The next sequence number, saved as used before anyone sees it."""
        seq = self.next_seq
        self.next_seq += 1
        self.save()
        return seq

    def record_push(self, outcome: str, detail: str, delivered: bool) -> None:
        now = self._clock()
        self.last_push = {"at": now, "outcome": outcome, "detail": detail}
        if delivered:
            self.last_delivery_at = now

    def save(self) -> bool:
        """Write the file; False (and ``save_error`` set) when the directory cannot take it
        (full, read-only): the agent goes on, its numbers kept in memory."""
        try:
            self._write()
        except OSError as err:
            self.save_error = f"{self.path}: {err.strerror}"
            return False
        self.save_error = None
        return True

    def _write(self) -> None:
        data = {"next_seq": self.next_seq, "boot_time": self.boot_time,
                "dropped": self.dropped, "rejected": self.rejected,
                "last_push": self.last_push, "last_delivery_at": self.last_delivery_at}
        # Twice per report: json.dumps encodes in C where json.dump runs Python code per key,
        # and one os.write needs no text layer.
        text = json.dumps(data).encode()
        temporary = self.path + ".tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            os.write(fd, text)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)


def read_state(path: str) -> dict:
    """The saved state, or an empty dict when there is none (or it cannot be read)."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
