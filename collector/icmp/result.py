"""What one round of echoes to one target produced."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PingError(StrEnum):
    """Why echoes could not be sent. A small fixed set: it becomes a metric label."""

    NO_ROUTE = "no_route"
    NOT_PERMITTED = "not_permitted"
    SEND_FAILED = "send_failed"


@dataclass(frozen=True, slots=True)
class PingResult:
    """Echoes sent to one target in one round and the replies that came back in time.

    ``rtts`` holds the round-trip time in seconds of every reply, in the order the
    echoes were sent. ``error`` is set when some echo could not be sent at all; only
    echoes that left the host count in ``sent``, so a round that sent nothing is an
    error, never 100 % loss.
    """

    target: str
    sent: int
    received: int
    rtts: tuple[float, ...]
    error: PingError | None = None

    @property
    def loss_ratio(self) -> float | None:
        if self.sent == 0:
            return None
        return 1.0 - self.received / self.sent
