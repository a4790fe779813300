"""The agent's loop: read the host every interval, push the report, keep it when that fails.

A report goes straight to the collector while the spool is empty. Once a push fails, it and
every later report queue in the spool, and the time left before each next reading drains the
queue oldest first, so the collector receives every report in the order it was made.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from agent.config import AgentConfig
from agent.log import Log
from agent.push import Outcome, Pusher, PushResult
from agent.readings import HostReader
from agent.report import encode
from agent.spool import Spool
from agent.state import AgentState

# A push gets at least this long even when the next reading is due sooner: a reading taken a
# little late does less harm than a collector that is never given time to answer.
MIN_PUSH_TIMEOUT = 1.0
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class StopSignals:
    """Waiting that SIGTERM or SIGINT ends early, without a handler interrupting a push.

    The signals are blocked and collected at the waits, so a push or a spool write in progress
    always finishes first.
    """

    def __init__(self) -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when a stop signal came."""
        return signal.sigtimedwait(_STOP_SIGNALS, max(0.0, seconds)) is not None

    def pending(self) -> bool:
        return bool(signal.sigpending() & _STOP_SIGNALS)


class Runner:
    def __init__(self, config: AgentConfig, reader: HostReader, pusher: Pusher, spool: Spool,
                 state: AgentState, log: Log, *, stop: StopSignals | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.reader = reader
        self.pusher = pusher
        self.spool = spool
        self.state = state
        self.log = log
        self._stop = stop or StopSignals()
        self._monotonic = monotonic
        self._delivering: bool | None = None
        self._save_failing = False

    def run(self) -> None:
        """Report every interval until SIGTERM or SIGINT."""
        self.log.info(f"reporting to {self.pusher.url} every {self.config.interval:g} s as "
                      f"{self.config.name} (site {self.config.site}); {len(self.spool)} "
                      "reports waiting in the spool")
        try:
            while True:
                deadline = self._monotonic() + self.config.interval
                self.cycle(deadline)
                if self._stop.wait(deadline - self._monotonic()):
                    break
        finally:
            self._save()
            self.pusher.close()
            self.log.info(f"stopped; {len(self.spool)} reports waiting in the spool")

    def cycle(self, deadline: float) -> None:
        """One reading, pushed or spooled, then as much of the spool as time allows."""
        try:
            reading = self.reader.read()
        except Exception as err:  # a bad reading must not end the agent
            self.log.error(f"reading the host failed: {err!r}")
            return
        seq = self.state.take_seq()
        body = encode(reading, seq, self.state.dropped)
        result: PushResult | None
        if len(self.spool) == 0:
            result = self.pusher.push(body, self._timeout(deadline))
            self._count(result, seq)
            if not result.outcome.finished:
                self._keep(seq, body)
        else:
            self._keep(seq, body)
            result = self._drain(deadline)
        if result is not None:
            self._note(result)
        self._save()

    def _save(self) -> None:
        """Save the state; say so once when the directory stops taking it, and once when it
        takes it again."""
        failing = self._save_failing
        self.state.save()
        self._save_failing = self.state.save_error is not None
        if self._save_failing and not failing:
            self.log.error(f"cannot save the agent's state ({self.state.save_error}); "
                           "reporting goes on, reports that cannot be pushed at once are lost "
                           "while the directory takes no files")
        elif failing and not self._save_failing:
            self.log.info("the agent's state is saved again")

    def _drain(self, deadline: float) -> PushResult | None:
        last = None
        while len(self.spool) and deadline - self._monotonic() > 0.05:
            if self._stop.pending():
                break
            quarantined = self.spool.quarantined
            oldest = self.spool.oldest()
            if self.spool.quarantined > quarantined:
                self.log.error(f"{self.spool.quarantined - quarantined} spool files could not "
                               f"be read or were damaged: moved to "
                               f"{self.spool.directory}/quarantine, not sent")
            if oldest is None:
                break
            seq, body = oldest
            last = self.pusher.push(body, self._timeout(deadline))
            self._count(last, seq)
            if not last.outcome.finished:
                break
            self.spool.remove(seq)
        return last

    def _timeout(self, deadline: float) -> float:
        return min(self.config.timeout, max(deadline - self._monotonic(), MIN_PUSH_TIMEOUT))

    def _keep(self, seq: int, body: bytes) -> None:
        try:
            dropped = self.spool.append(seq, body)
        except OSError as err:
            self.state.dropped += 1
            self.log.error(f"cannot keep report {seq} in the spool {self.spool.directory}: "
                           f"{err.strerror}; it is lost")
            return
        if dropped:
            self.state.dropped += dropped
            self.log.warning(f"spool full ({len(self.spool)} reports, {self.spool.bytes} bytes):"
                             f" dropped the {dropped} oldest; {self.state.dropped} dropped in all")

    def _count(self, result: PushResult, seq: int) -> None:
        if result.next_seq is not None and result.next_seq > self.state.next_seq:
            self.log.warning(f"the collector has reports numbered up to {result.next_seq - 1}"
                             f" (this agent's state was lost and its clock is behind): "
                             f"numbering goes on from {result.next_seq}")
            self.state.next_seq = result.next_seq
        if result.outcome is Outcome.REJECTED:
            self.state.rejected += 1
            self.log.error(f"the collector rejected report {seq} ({result.reason}): "
                           f"{result.detail}; it is not sent again")

    def _note(self, result: PushResult) -> None:
        """Keep the result for ``agent status``; log only when delivery stops or resumes."""
        delivering = result.outcome.finished
        self.state.record_push(result.outcome.value, result.detail, delivering)
        if delivering != self._delivering:
            if delivering:
                self.log.info(f"delivering reports to {self.pusher.url}; "
                              f"{len(self.spool)} waiting in the spool")
            else:
                self.log.warning(f"cannot deliver to {self.pusher.url}: {result.outcome.value}: "
                                 f"{result.detail}; keeping reports in the spool")
            self._delivering = delivering
