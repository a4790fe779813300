"""Reports waiting for the collector: a bounded directory of files, one per report.

Each file is written under a temporary name, flushed to disk, then renamed, and the directory
is flushed too, so after a crash or a power cut a report is either wholly there or not at all.
File names are zero-padded sequence numbers, so their order is the order of the reports.
"""

from __future__ import annotations

import os
import zlib
from collections import deque

_SUFFIX = ".report"
_TEMPORARY = ".tmp"
QUARANTINE = "quarantine"
"""Spool files that cannot be sent (unreadable, or not a whole gzip stream) go here, so that
one bad file never holds back the reports behind it."""


class Spool:
    """Oldest first; past ``max_reports`` reports or ``max_bytes`` bytes the oldest go."""

    def __init__(self, directory: str, max_reports: int, max_bytes: int) -> None:
        self.directory = directory
        self.max_reports = max_reports
        self.max_bytes = max_bytes
        self._entries: deque[tuple[int, int]] = deque()  # (seq, size), oldest first
        self._bytes = 0
        self.quarantined = 0
        """Files set aside since the agent started."""

    def open(self) -> None:
        """Create the directory, or pick up the reports an earlier run left in it.

        Only for the agent that owns the spool: it removes writes that a crash cut short.
        """
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        for name in os.listdir(self.directory):
            if name.endswith(_TEMPORARY):
                os.unlink(os.path.join(self.directory, name))
        self.scan()

    def scan(self) -> None:
        """Count the reports in the directory, touching nothing (``agent status`` does this
        while the agent runs)."""
        found = []
        for name in os.listdir(self.directory):
            if name.endswith(_SUFFIX) and name[: -len(_SUFFIX)].isdigit():
                try:
                    size = os.path.getsize(os.path.join(self.directory, name))
                except FileNotFoundError:
                    continue  # sent meanwhile
                found.append((int(name[: -len(_SUFFIX)]), size))
        found.sort()
        self._entries = deque(found)
        self._bytes = sum(size for _, size in found)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def last_seq(self) -> int | None:
        return self._entries[-1][0] if self._entries else None

    def append(self, seq: int, body: bytes) -> int:
        """Keep ``body`` durably; return how many of the oldest reports made room for it."""
        path = self._path(seq)
        temporary = path + _TEMPORARY
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, path)
        self._sync_directory()
        self._entries.append((seq, len(body)))
        self._bytes += len(body)
        dropped = 0
        while len(self._entries) > 1 and (len(self._entries) > self.max_reports
                                          or self._bytes > self.max_bytes):
            self.remove(self._entries[0][0])
            dropped += 1
        return dropped

    def oldest(self) -> tuple[int, bytes] | None:
        """The oldest report and its sequence number, or None when the spool is empty. A file
        that cannot be read, or is not a whole gzip stream (a disk error, a hand), is moved to
        the quarantine directory and the next one taken."""
        while self._entries:
            seq = self._entries[0][0]
            try:
                with open(self._path(seq), "rb") as file:
                    body = file.read()
            except FileNotFoundError:
                # Removed by hand while the agent ran: nothing to send for it.
                self._forget_oldest()
                continue
            except OSError:
                body = b""
            if _whole_gzip(body):
                return seq, body
            self._quarantine(seq)
        return None

    def _quarantine(self, seq: int) -> None:
        target = os.path.join(self.directory, QUARANTINE)
        try:
            os.makedirs(target, mode=0o700, exist_ok=True)
            os.rename(self._path(seq), os.path.join(target, os.path.basename(self._path(seq))))
        except OSError:
            try:  # noqa: SIM105 - contextlib would cost the agent 0.1 MiB of memory
                os.unlink(self._path(seq))
            except OSError:
                pass
        self.quarantined += 1
        self._forget_oldest()

    def remove(self, seq: int) -> None:
        """Forget the report ``seq`` (sent, or dropped); it must be the oldest."""
        if not self._entries or self._entries[0][0] != seq:
            raise ValueError(f"report {seq} is not the oldest in the spool")
        try:  # noqa: SIM105 - contextlib would cost the agent 0.1 MiB of memory
            os.unlink(self._path(seq))
        except FileNotFoundError:
            pass
        self._forget_oldest()

    def _forget_oldest(self) -> None:
        _, size = self._entries.popleft()
        self._bytes -= size

    def _path(self, seq: int) -> str:
        return os.path.join(self.directory, f"{seq:020d}{_SUFFIX}")

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _whole_gzip(body: bytes) -> bool:
    """Whether ``body`` is one complete gzip stream (what the agent writes), checked by
    inflating it (a report is some 10 KiB)."""
    inflater = zlib.decompressobj(31)
    try:
        inflater.decompress(body)
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data
