"""The collector's log lines.

On a terminal, or into a file: each line with its time and level. Under systemd, whose
journal records the time itself and reads a syslog priority from a `<N>` prefix (sd-daemon(3)):
no time, and the prefix, so that `journalctl -p warning -u pantau-collector` shows the outages,
the recoveries and every failure to send. systemd says a process's stderr is the journal's by
setting JOURNAL_STREAM to that stream's device and inode (systemd.exec(5)); it is believed
only when it names this very stream, not one inherited from a parent.

APScheduler's lines about adding and running jobs are debugging detail: below WARNING they
show only at log_level debug.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4),
              (logging.INFO, 6))
"""A level's syslog priority: the first whose level it reaches; below them all, 7 (debug)."""
QUIET_BELOW_WARNING = ("apscheduler", "collector.scheduler.apscheduler")
TERMINAL_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def priority(level: int) -> int:
    return next((value for floor, value in PRIORITIES if level >= floor), 7)


class JournalFormatter(logging.Formatter):
    """`<priority>logger: message`, every line of it (a traceback's too) with the prefix, so
    that none of them lands in the journal at the default priority."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def under_journal(stream: TextIO) -> bool:
    """Whether ``stream`` is the journal's, as JOURNAL_STREAM says."""
    named = os.environ.get("JOURNAL_STREAM", "")
    if not named:
        return False
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return named == f"{status.st_dev}:{status.st_ino}"


def configure(level: str, stream: TextIO | None = None) -> None:
    """Send the log to ``stream`` (stderr) at ``level``, formatted for where it goes."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JournalFormatter() if under_journal(stream)
                         else logging.Formatter(TERMINAL_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet = logging.WARNING if level.upper() != "DEBUG" else logging.NOTSET
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(quiet)
