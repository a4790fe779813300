"""The agent's log: one line per event on stderr, which systemd hands to the journal.

The logging package would cost the agent about a megabyte of memory for what this class does;
journald adds the time stamp and the unit name itself.
"""

from __future__ import annotations

import os
import sys
from io import TextIOBase

LEVELS = ("debug", "info", "warning", "error")
_SYSLOG_PRIORITY = (7, 6, 4, 3)


class Log:
    def __init__(self, level: str = "info", stream: TextIOBase | None = None,
                 journal: bool | None = None) -> None:
        self._threshold = LEVELS.index(level)
        self._stream = stream
        # Under systemd a <N> prefix sets the journal priority of the line.
        self._prefix = "JOURNAL_STREAM" in os.environ if journal is None else journal

    def _write(self, level: int, message: str) -> None:
        if level < self._threshold:
            return
        prefix = f"<{_SYSLOG_PRIORITY[level]}>" if self._prefix else ""
        print(f"{prefix}{LEVELS[level]}: {message}", file=self._stream or sys.stderr, flush=True)

    def debug(self, message: str) -> None:
        self._write(0, message)

    def info(self, message: str) -> None:
        self._write(1, message)

    def warning(self, message: str) -> None:
        self._write(2, message)

    def error(self, message: str) -> None:
        self._write(3, message)
