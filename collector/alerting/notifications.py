"""What the alerting engine tells people about: one notification per event, grouped into mails.

These are plain data: the engine decides what happened, the mail renderer decides how to say
it (in Indonesian or English) and to whom.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from collector.alerting.outage_log import Cause, Evidence, EvidenceKind


class EventKind(StrEnum):
    DOWN = "down"
    """A site (or a link of a site that stays up through another) stopped answering."""
    RECOVERED = "recovered"
    DEGRADED = "degraded"
    """A link has been losing packets or slow for longer than alerting.degraded_after."""
    FLAPPING = "flapping"
    """A link changed state more than alerting.flap_transitions times in flap_window."""
    AGENT_SILENT = "agent_silent"
    AGENT_BACK = "agent_back"
    REBOOT = "reboot"
    """A router (sysUpTime) or a server (boot time) restarted."""
    REMINDER = "reminder"
    """An outage still lasts: sent every alerting.reminder_interval."""
    ERROR = "error"
    """A link's echoes cannot be sent at all (local firewall, no route): it cannot be
    checked, after as many rounds as a link takes to go down."""
    ERROR_CLEARED = "error_cleared"
    """Echoes to a link that could not be checked are sent again."""
    SERVICE_DOWN = "service_down"
    """A service of a site that is still reached fails its checks (down_after in a row)."""
    SERVICE_RECOVERED = "service_recovered"
    SERVICE_SLOW = "service_slow"
    """A service has answered slower than its degraded_latency for alerting.degraded_after."""
    CERT_EXPIRING = "cert_expiring"
    """A service's certificate expires within 30, 14, 7, 3 or 1 days: once per threshold."""


@dataclass(frozen=True)
class AffectedSite:
    """A site cut off by an outage: `down` (its own links failed) or `unreachable` (it hangs
    behind the site that failed)."""

    site: str
    title: str
    state: str


@dataclass(frozen=True)
class Notification:
    kind: EventKind
    at: float
    """When the event was decided (Unix time)."""
    site: str
    """The site the event is about: for an outage, the cut (the affected sites hang behind)."""
    site_title: str
    link: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    cause: Cause | None = None
    evidence: Evidence | None = None
    loss_before: float | None = None
    """Loss ratio over the rounds before the cut (from the link's window)."""
    rtt_before: float | None = None
    """Median RTT in seconds over the rounds before the cut."""
    affected: tuple[AffectedSite, ...] = ()
    agent: str | None = None
    """The server agent an agent event or a server's reboot is about."""
    device: str | None = None
    """The SNMP device a router's reboot is about."""
    uptime_before: float | None = None
    """Seconds the device had been up when it was last read before its reboot."""
    service: str | None = None
    """The service (its name) a service event is about."""
    service_title: str | None = None
    failure: str | None = None
    """Why its last check failed: timeout, dns, connect, tls, status, body, other."""
    status_code: int | None = None
    cert_expiry: float | None = None
    """When the service's certificate expires (Unix time), for a certificate warning."""
    latency: float | None = None
    """For a slow service: how long its last check took (seconds)."""
    latency_limit: float | None = None
    """For a slow service: its degraded_latency (seconds)."""
    affected_services: tuple[tuple[str, str], ...] = ()
    """For a cut: (site, service title) of every service of the sites it cuts off."""
    reason: str | None = None
    """For an error: why echoes could not be sent (no_route, not_permitted, send_failed)."""
    changes: int | None = None
    """For a flapping notice: changes of state counted within alerting.flap_window."""
    after_flapping: bool = False
    """A recovery that ends a flapping episode: from its first outage's start to the end of
    its last."""
    outage_id: int | None = None
    planned: bool = False
    acked_by: str | None = None
    """Who took the outage in hand (`collector ack`, or the chat's button), for its recovery."""
    acked_at: float | None = None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    @property
    def sites(self) -> tuple[str, ...]:
        """Every site the notification concerns: the cut first, then those behind it."""
        return (self.site, *(a.site for a in self.affected if a.site != self.site))


def encode(notification: Notification) -> str:
    """``notification`` as JSON, to keep it on disk until the outbox has it."""
    return json.dumps(asdict(notification), sort_keys=True, ensure_ascii=False)


def decode(text: str) -> Notification:
    """The notification ``encode`` gave ``text`` for, equal to it in every field (the
    messages' idempotency keys are derived from them)."""
    data: dict[str, Any] = json.loads(text)
    data["kind"] = EventKind(data["kind"])
    if data.get("cause") is not None:
        data["cause"] = Cause(data["cause"])
    if data.get("evidence") is not None:
        evidence = data["evidence"]
        data["evidence"] = Evidence(EvidenceKind(evidence["kind"]), tuple(evidence["who"]),
                                    evidence["at"])
    data["affected"] = tuple(AffectedSite(**each) for each in data.get("affected", ()))
    data["affected_services"] = tuple(tuple(each) for each in data.get("affected_services", ()))
    return Notification(**data)
