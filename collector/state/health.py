"""One link's own verdict from its own rounds, with hysteresis.

Pure: no clock, no I/O. The store decides when a verdict is overruled
(a link behind a down parent is unreachable whatever its own rounds say).
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from collector.config import StateSettings
from collector.icmp import PingError, PingResult


class LinkState(StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"
    UNREACHABLE = "unreachable"
    ERROR = "error"
    """Its echoes cannot be sent at all (a local firewall rule, no route): it cannot be
    checked, which says nothing of the link itself."""

    @property
    def reachable(self) -> bool:
        """Whether what hangs behind this can still be judged on its own rounds."""
        return self not in (LinkState.DOWN, LinkState.UNREACHABLE)


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """A link's round: the echoes to all its targets taken together."""

    sent: int
    received: int
    rtts: tuple[float, ...]
    errors: tuple[PingError | None, ...] = ()

    @classmethod
    def of(cls, results: Iterable[PingResult]) -> RoundSummary:
        sent = received = 0
        rtts: list[float] = []
        errors: list[PingError | None] = []
        for result in results:
            sent += result.sent
            received += result.received
            rtts.extend(result.rtts)
            errors.append(result.error)
        return cls(sent, received, tuple(rtts), tuple(errors))

    @property
    def could_not_send(self) -> bool:
        return self.sent == 0

    @property
    def error(self) -> PingError | None:
        """Why nothing could be sent: the first target's reason, when none was sent."""
        if self.sent:
            return None
        return next((e for e in self.errors if e is not None), PingError.SEND_FAILED)

    @property
    def failed(self) -> bool:
        """No echo to any target of the link came back."""
        return self.sent > 0 and self.received == 0


class LinkHealth:
    """up / degraded / down from consecutive rounds; unknown until the first verdict.

    - ``down_after`` consecutive failed rounds (no reply at all) take it down, so a
      single lost echo, or a single lost round, never does;
    - loss and median RTT over the last ``window`` rounds make it degraded;
    - ``up_after`` consecutive good rounds bring it back up from down or degraded;
    - ``down_after`` consecutive rounds in which no echo could be sent at all make it
      ``error`` (it cannot be checked); the first round that sends again ends that.
    """

    def __init__(self, settings: StateSettings) -> None:
        self.settings = settings
        self.state = LinkState.UNKNOWN
        self.failed_streak = 0
        self.error_streak = 0
        self.error: PingError | None = None
        """Why the last round could not send, while it could not."""
        self._before_error = LinkState.UNKNOWN
        self._good_streak = 0
        self._window: deque[RoundSummary] = deque(maxlen=settings.window)
        self.loss_before_cut: float | None = None
        self.rtt_before_cut: float | None = None

    def reconfigure(self, settings: StateSettings) -> None:
        """Judge by ``settings`` from here on, keeping the verdict and the rounds seen."""
        if settings.window != self.settings.window:
            self._window = deque(self._window, maxlen=settings.window)
        self.settings = settings

    def forget(self) -> None:
        """Drop the verdict: its rounds said nothing while its parent was down."""
        self.state = LinkState.UNKNOWN
        self.failed_streak = 0
        self.error_streak = 0
        self.error = None
        self._good_streak = 0
        self._window.clear()

    def force_down(self) -> None:
        """The device carrying the link reports its interface down: no need to wait for
        failed rounds. Coming back still takes ``up_after`` good rounds."""
        if self.state is not LinkState.DOWN:
            self._window.clear()
        self.state = LinkState.DOWN
        self._good_streak = 0

    def observe(self, summary: RoundSummary, may_go_down: bool = True) -> LinkState:
        """Take one round into account and return the new own state.

        ``may_go_down`` False holds a due ``down`` back (the parent is suspect, so
        the failure is probably not this link's); the streak still counts.
        """
        if summary.could_not_send:
            self.error = summary.error
            self.error_streak += 1
            if self.error_streak >= self.settings.down_after and self.state is not LinkState.ERROR:
                self._before_error = self.state
                self.state = LinkState.ERROR
            return self.state
        self.error, self.error_streak = None, 0
        if self.state is LinkState.ERROR:
            # Checkable again: the verdict it had before, judged on from here.
            self.state = self._before_error
        if summary.failed:
            self._good_streak = 0
            self.failed_streak += 1
            if self.state is not LinkState.DOWN:
                self._window.append(summary)
            if self.failed_streak >= self.settings.down_after and may_go_down:
                if self.state is not LinkState.DOWN:
                    self._window.clear()
                self.state = LinkState.DOWN
            return self.state
        self.failed_streak = 0
        self._window.append(summary)
        # Kept for the mail about a cut: what the link looked like while it still answered.
        self.loss_before_cut = self.window_loss_ratio()
        self.rtt_before_cut = self.window_median_rtt()
        quality = self._quality()
        if self.state is LinkState.UNKNOWN:
            self.state = quality
        elif self.state is LinkState.UP:
            self.state = quality
            self._good_streak = 0
        elif self.state is LinkState.DOWN or (
            self.state is LinkState.DEGRADED and quality is LinkState.UP
        ):
            self._good_streak += 1
            if self._good_streak >= self.settings.up_after:
                self.state = quality
                self._good_streak = 0
        else:
            self._good_streak = 0
        return self.state

    def _quality(self) -> LinkState:
        if self.window_loss_ratio() >= self.settings.degraded_loss:
            return LinkState.DEGRADED
        median = self.window_median_rtt()
        if median is not None and median >= self.settings.degraded_rtt:
            return LinkState.DEGRADED
        return LinkState.UP

    def window_loss_ratio(self) -> float:
        sent = sum(s.sent for s in self._window)
        received = sum(s.received for s in self._window)
        return 1.0 - received / sent if sent else 0.0

    def window_median_rtt(self) -> float | None:
        rtts = [rtt for s in self._window for rtt in s.rtts]
        return statistics.median(rtts) if rtts else None
