"""How many connections the HTTP server holds, and from whom: a cap in all and per peer
address, with a share kept for peers that hold none (Prometheus, a sysadmin's browser), so a
flood of connections from a few addresses cannot take the scrape away.

Each accepted connection is judged as it is made: over a cap it is closed at once, before a
byte is read (counted, and logged at most once a minute). The header deadline of the server
(`http.HEADER_TIMEOUT`) bounds how long any admitted connection that sends nothing useful is
held.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

TOTAL = 512
PER_PEER = 32
RESERVED = 64
"""Of TOTAL, kept for peers that hold no connection yet."""
LOG_EVERY = 60.0
FILE_LIMIT = 65536
"""Open files the collector asks for (its unit's LimitNOFILE too): sockets of probes and
clients, its databases."""


@dataclass
class ConnectionLimits:
    total: int = TOTAL
    per_peer: int = PER_PEER
    reserved: int = RESERVED
    clock: Callable[[], float] = time.monotonic
    open: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    _logged_at: float | None = None
    _refused_since_log: int = 0

    @property
    def held(self) -> int:
        return sum(self.open.values())

    def admit(self, peer: str) -> bool:
        held, mine = self.held, self.open[peer]
        if held >= self.total or mine >= self.per_peer or (
                mine and held >= self.total - self.reserved):
            self._refuse(peer)
            return False
        self.open[peer] += 1
        return True

    def release(self, peer: str) -> None:
        self.open[peer] -= 1
        if self.open[peer] <= 0:
            del self.open[peer]

    def _refuse(self, peer: str) -> None:
        self.refused += 1
        self._refused_since_log += 1
        now = self.clock()
        if self._logged_at is None or now - self._logged_at >= LOG_EVERY:
            busiest = ", ".join(f"{address} ({count})"
                                for address, count in self.open.most_common(3))
            log.warning("HTTP: %d connections refused (the last from %s): %d held, at most %d "
                        "in all and %d per address; most held by %s", self._refused_since_log,
                        peer, self.held, self.total, self.per_peer, busiest or "nobody")
            self._logged_at = now
            self._refused_since_log = 0


class LimitedProtocol(asyncio.Protocol):
    """Stands before the server's own protocol for one connection: admits it or closes it."""

    def __init__(self, inner: asyncio.Protocol, limits: ConnectionLimits) -> None:
        self._inner = inner
        self._limits = limits
        self._peer: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peername = transport.get_extra_info("peername")
        peer = str(peername[0]) if isinstance(peername, tuple) and peername else "?"
        if not self._limits.admit(peer):
            transport.abort()
            return
        self._peer = peer
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._peer is None:
            return
        self._limits.release(self._peer)
        self._peer = None
        self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._peer is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._peer is not None else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()
