"""What the collector knows of each configured agent: its current report, when it last
reported live, and the counts behind the pantau_agent_* metrics.

A report becomes the agent's current one only when it is newer than every report stored
before and was sent soon after it was made. A report replayed from the spool is logged but
never shown as the present state of the host: Prometheus stamps what it scrapes with the
scrape time, so old values would pass for new ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from collector.config.agents import AgentClient, AgentsSettings
from collector.ingest.validation import Report
from pantau_wire.agent_report import Rejection

log = logging.getLogger(__name__)
# Names of unknown agents are logged once each, up to this many, so that a stream of made-up
# names cannot grow the collector's memory.
UNKNOWN_NAMES_LOGGED = 256


class AgentRecord:
    def __init__(self, client: AgentClient) -> None:
        self.client = client
        self.current: Report | None = None
        self.live_at: float | None = None
        """When the collector received the current report (collector clock)."""
        self.highest_seq = -1
        self.reports = 0
        self.replayed = 0
        """Stored reports that were not current: made while the collector could not be
        reached, and sent from the agent's spool later."""
        self.duplicates = 0
        self.dropped = 0
        """Reports the agent's spool threw away, as the agent counts them."""
        self.escaped = 0
        """Label values the collector escaped (an agent older than the escaping)."""
        self.rejection: str | None = None

    @property
    def name(self) -> str:
        return self.client.name

    @property
    def site(self) -> str:
        return self.client.site


class AgentRegistry:
    def __init__(self, settings: AgentsSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self.records = {client.name: AgentRecord(client) for client in settings.clients}
        self.rejected = dict.fromkeys(Rejection.ALL, 0)
        self._unknown_logged: set[str] = set()

    def adopt(self, old: AgentRegistry) -> None:
        """Take over from ``old`` (before a reload) the agents this config still has (a new
        token or site included): their reports, sequence numbers and counts."""
        for name, record in self.records.items():
            before = old.records.get(name)
            if before is not None:
                if before.client.token != record.client.token:
                    log.info("agent %s: a new token is in force", name)
                before.client = record.client
                self.records[name] = before
        self.rejected = old.rejected
        self._unknown_logged = old._unknown_logged

    def get(self, name: str) -> AgentRecord | None:
        return self.records.get(name)

    def restore(self, highest_seqs: dict[str, int]) -> None:
        """Take up the sequence numbers already in the report log (after a restart)."""
        for name, seq in highest_seqs.items():
            if name in self.records:
                self.records[name].highest_seq = max(self.records[name].highest_seq, seq)

    def would_be_current(self, record: AgentRecord, report: Report, sent_at: float) -> bool:
        """Newer than all stored, and sent within ``silence`` of its making (agent clock)."""
        return (report.seq > record.highest_seq
                and sent_at - report.timestamp <= self.settings.silence)

    def accept(self, record: AgentRecord, report: Report, stored: bool, current: bool) -> None:
        """Count a report the log took (``stored``) or already had, and show it if current."""
        if not stored:
            record.duplicates += 1
            return
        record.reports += 1
        record.escaped += report.escaped
        record.highest_seq = max(record.highest_seq, report.seq)
        record.dropped = max(record.dropped, report.dropped)
        if current:
            record.current = report
            record.live_at = self._clock()
        else:
            record.replayed += 1
        if record.rejection is not None:
            log.info("agent %s: pushes accepted again", record.name)
            record.rejection = None

    def reject(self, reason: str, name: str, message: str) -> None:
        """Count a refused push; log it when the agent's push state changes."""
        self.rejected[reason] += 1
        record = self.records.get(name)
        if record is None:
            if len(self._unknown_logged) < UNKNOWN_NAMES_LOGGED and name not in \
                    self._unknown_logged:
                self._unknown_logged.add(name)
                log.warning("push from unknown agent %r refused: %s", name[:64], message)
            return
        if record.rejection != reason:
            record.rejection = reason
            log.warning("agent %s: push refused (%s): %s", record.name, reason, message)

    def up(self, record: AgentRecord) -> bool:
        return record.live_at is not None and \
            self._clock() - record.live_at <= self.settings.silence

    def visible(self) -> Iterator[tuple[AgentRecord, Report]]:
        """Agents whose host series are still shown, with their current report.

        A report past ``expire`` is let go here, so its memory goes with its series.
        """
        now = self._clock()
        for record in self.records.values():
            if record.current is None or record.live_at is None:
                continue
            if now - record.live_at > self.settings.expire:
                record.current = None
                continue
            yield record, record.current
