"""What an outage most likely was, from the evidence the collector holds about the site.

- **power**: a router of the site restarted inside the gap (its sysUpTime went back), or a
  server of the site booted inside it (its agent's reports carry a new boot time);
- **link**: a server of the site kept reporting through the gap with the same boot time (its
  agent spooled the reports and replayed them once the link was back);
- **unknown**: nothing either way.
"""

from __future__ import annotations

from collector.alerting.outage_log import Cause, Evidence, EvidenceKind
from collector.config import CollectorConfig
from collector.ingest.reportlog import BOOT_TIME_TOLERANCE, ReportLog
from collector.snmp.state import SnmpState

# A restart a little before the first failed round still explains the gap.
_BEFORE = 120.0
# The last report before the gap is looked for this far back.
_LOOK_BACK = 3600.0
# Reports made just after the gap still tell whether the server booted in it.
_LATE_REPORTS = 300.0


class SiteEvidence:
    def __init__(self, config: CollectorConfig, snmp: SnmpState,
                 reports: ReportLog | None) -> None:
        self._devices = {site.name: [d.name for d in site.devices] for site in config.sites}
        self._agents: dict[str, list[str]] = {}
        for client in config.agents.clients:
            self._agents.setdefault(client.site, []).append(client.name)
        self._snmp = snmp
        self._reports = reports

    def cause(self, site: str, start: float, end: float) -> tuple[Cause, Evidence | None]:
        for event in self._snmp.events:
            if event.site == site and start - _BEFORE <= event.booted_at <= end:
                return Cause.POWER, Evidence(EvidenceKind.ROUTER_RESTARTED, (event.device,),
                                             event.booted_at)
        stayed_up: list[str] = []
        for agent in self._agents.get(site, []) if self._reports is not None else []:
            verdict = self._server(agent, start, end)
            if verdict is not None and verdict[0] is Cause.POWER:
                return verdict
            if verdict is not None:
                stayed_up.append(agent)
        if stayed_up:
            return Cause.LINK, Evidence(EvidenceKind.SERVER_REPORTED, tuple(stayed_up))
        return Cause.UNKNOWN, None

    def _server(self, agent: str, start: float, end: float,
                ) -> tuple[Cause, Evidence | None] | None:
        """What one agent's reports say of the gap: a boot inside it, reports all through
        it from the same boot, or nothing."""
        assert self._reports is not None
        before = self._reports.reports(agent, start - _LOOK_BACK, start)
        during = self._reports.reports(agent, start, end + _LATE_REPORTS)
        if not during:
            return None
        # A boot the reports before the gap already carried is not a boot inside it (a host
        # started a minute before a cut did not lose power in the cut); without such reports,
        # a boot shortly before the first failed round still explains the gap.
        known_boot = before[-1].boot_time if before else None
        for report in during:
            if (abs(report.boot_time - known_boot) > BOOT_TIME_TOLERANCE
                    if known_boot is not None else start - _BEFORE <= report.boot_time <= end):
                return Cause.POWER, Evidence(EvidenceKind.SERVER_BOOTED, (agent,),
                                             report.boot_time)
        inside = [r for r in during if start < r.timestamp < end]
        if before and inside:
            return Cause.LINK, None
        return None
