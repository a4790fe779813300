"""Webhooks: documents from a group of notifications, their signature, and the channel that
POSTs them.

Two formats:
- Pantau's own, version 1 (`docs/webhook.md`, schema `docs/webhook.schema.json`): every
  event with its data as fields (kinds, names, times in RFC 3339, figures in base units) and
  one line of text in the configured language for people.
- Alertmanager's webhook payload (version "4"), so tools made for it (WhatsApp gateways,
  ticketing) take Pantau's events unchanged: one alert per event, firing or resolved.

The body is signed with HMAC-SHA256 under the shared secret: `X-Pantau-Signature:
sha256=<hex>`. The idempotency key depends on the events only, so a document sent again after
a crash carries the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collector import __version__
from collector.alerting.notifications import EventKind, Notification
from collector.config import CollectorConfig
from collector.notify.compose import about_link, affected_sites, event_name, summary, title
from collector.notify.outbox import DeliveryError
from collector.notify.store import Message
from collector.notify.transport import post
from collector.words import WORDS, Words

SCHEMA_VERSION = "1"
SIGNATURE_HEADER = "X-Pantau-Signature"
KEY_HEADER = "X-Pantau-Idempotency-Key"
SCHEMA_HEADER = "X-Pantau-Schema"

# What resolves an earlier alert, in Alertmanager's terms; every other event fires.
RESOLVING = frozenset({EventKind.RECOVERED, EventKind.SERVICE_RECOVERED, EventKind.AGENT_BACK,
                       EventKind.ERROR_CLEARED})
ALERT_NAMES = {
    EventKind.DOWN: "PantauSiteDown", EventKind.RECOVERED: "PantauSiteDown",
    EventKind.REMINDER: "PantauSiteDown", EventKind.DEGRADED: "PantauLinkDegraded",
    EventKind.FLAPPING: "PantauLinkFlapping", EventKind.AGENT_SILENT: "PantauAgentSilent",
    EventKind.AGENT_BACK: "PantauAgentSilent", EventKind.REBOOT: "PantauDeviceRebooted",
    EventKind.ERROR: "PantauLinkCannotBeChecked",
    EventKind.ERROR_CLEARED: "PantauLinkCannotBeChecked",
    EventKind.SERVICE_DOWN: "PantauServiceDown", EventKind.SERVICE_RECOVERED: "PantauServiceDown",
    EventKind.SERVICE_SLOW: "PantauServiceSlow",
    EventKind.CERT_EXPIRING: "PantauServiceCertificateExpiring",
}
SEVERITIES = {EventKind.DOWN: "critical", EventKind.RECOVERED: "critical",
              EventKind.REMINDER: "critical"}
# Alertmanager's "no end yet".
NO_END = "0001-01-01T00:00:00Z"


def idempotency_key(notifications: Sequence[Notification]) -> str:
    content = json.dumps([_event_data(n) for n in notifications], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Whether ``signature`` is the one ``sign`` gives (compared in constant time)."""
    return hmac.compare_digest(sign(body, secret), signature)


def pantau_document(notifications: Sequence[Notification],
                    config: CollectorConfig) -> dict[str, Any]:
    """Pantau's own document, version 1."""
    words = WORDS[config.mail.language]
    return {
        "version": SCHEMA_VERSION,
        "source": "pantau",
        "key": idempotency_key(notifications),
        "language": config.mail.language.value,
        "title": title(notifications, words, ""),
        "status_page": config.collector.public_url,
        "events": [{**_event_data(n), "summary": summary(n, words, long=True)}
                   for n in notifications],
    }


def alertmanager_document(notifications: Sequence[Notification],
                          config: CollectorConfig) -> dict[str, Any]:
    """Alertmanager's webhook payload, version 4: one alert per event."""
    words = WORDS[config.mail.language]
    alerts = [_alert(n, words, config) for n in notifications]
    common = {name: value for name, value in alerts[0]["labels"].items()
              if all(alert["labels"].get(name) == value for alert in alerts)}
    return {
        "version": "4",
        "groupKey": idempotency_key(notifications),
        "truncatedAlerts": 0,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": "pantau",
        "groupLabels": {},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": config.collector.public_url or "",
        "alerts": alerts,
    }


def body(document: dict[str, Any]) -> bytes:
    """The bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _alert(n: Notification, words: Words, config: CollectorConfig) -> dict[str, Any]:
    labels = {"alertname": ALERT_NAMES[n.kind], "site": n.site,
              "severity": SEVERITIES.get(n.kind, "warning"), "source": "pantau"}
    if n.link is not None and about_link(n):
        labels["link"] = n.link
    if n.service is not None:
        labels["service"] = n.service
    if n.agent is not None:
        labels["agent"] = n.agent
    if n.device is not None:
        labels["device"] = n.device
    resolved = n.kind in RESOLVING
    started = n.started_at if n.started_at is not None else n.at
    ended = (n.ended_at if n.ended_at is not None else n.at) if resolved else None
    fingerprint = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    return {
        "status": "resolved" if resolved else "firing",
        "labels": labels,
        "annotations": {"summary": summary(n, words, long=True),
                        "description": f"{n.site_title} ({n.site})"},
        "startsAt": _rfc3339(started),
        "endsAt": NO_END if ended is None else _rfc3339(ended),
        "generatorURL": config.collector.public_url or "",
        "fingerprint": fingerprint,
    }


def _event_data(n: Notification) -> dict[str, Any]:
    """One event as data: what it is, where, when, why, and its figures."""
    return {
        "event": event_name(n),
        "kind": n.kind.value,
        "at": _rfc3339(n.at),
        "site": {"name": n.site, "title": n.site_title},
        "link": n.link,
        "service": None if n.service is None else {"name": n.service,
                                                   "title": n.service_title or n.service},
        "started_at": _optional_time(n.started_at),
        "ended_at": _optional_time(n.ended_at),
        "duration_seconds": None if n.duration is None else round(n.duration, 3),
        "planned": n.planned,
        "outage_id": n.outage_id,
        "cause": None if n.cause is None else n.cause.value,
        "evidence": None if n.evidence is None else {
            "kind": n.evidence.kind.value, "who": list(n.evidence.who),
            "at": _optional_time(n.evidence.at)},
        "affected": [{"site": a.site, "title": a.title, "state": a.state}
                     for a in affected_sites(n)],
        "affected_services": [{"site": site, "title": service_title}
                              for site, service_title in n.affected_services],
        "loss_before_ratio": n.loss_before,
        "rtt_before_seconds": n.rtt_before,
        "failure": n.failure,
        "status_code": n.status_code,
        "cert_expiry": _optional_time(n.cert_expiry),
        "latency_seconds": n.latency,
        "latency_limit_seconds": n.latency_limit,
        "reason": n.reason,
        "changes": n.changes,
        "agent": n.agent,
        "device": n.device,
        "uptime_before_seconds": n.uptime_before,
        "acknowledged_by": n.acked_by,
        "acknowledged_at": _optional_time(n.acked_at),
    }


def _rfc3339(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _optional_time(at: float | None) -> str | None:
    return None if at is None else _rfc3339(at)


def webhook_payload(document: dict[str, Any], alertmanager: bool = False) -> str:
    """What the outbox stores for a webhook: the body to send, and its format."""
    return json.dumps({"format": "alertmanager" if alertmanager else "pantau",
                       "body": body(document).decode()}, ensure_ascii=False)


class WebhookChannel:
    """POSTs each stored document to its URL (the message's recipient), signed at the moment
    of sending with that URL's shared secret, which is never stored in the outbox.

    Each URL fails alone: a server error, a timeout or an unreachable host defers that
    message on its own backoff (other URLs go on); 408 and 429 too, after `Retry-After` when
    given; any other 4xx (a URL gone, a signature refused) fails it for good.
    """

    name = "webhook"
    destination = "webhook URLs"

    def __init__(self, secrets: dict[str, str], timeout: float = 10.0,
                 ca_files: Mapping[str, Path] | None = None) -> None:
        self._secrets = secrets
        self._timeout = timeout
        self._ca_files = dict(ca_files or {})

    def abort(self) -> None:
        """Its sendings run on the event loop: cancelling their task ends them."""

    async def send(self, message: Message) -> str | None:
        stored = json.loads(message.payload)
        data = stored["body"].encode()
        headers = {"Content-Type": "application/json", KEY_HEADER: message.key,
                   "User-Agent": f"Pantau/{__version__}"}
        if stored["format"] == "pantau":
            headers[SCHEMA_HEADER] = SCHEMA_VERSION
        secret = self._secrets.get(message.recipient)
        if secret:
            headers[SIGNATURE_HEADER] = sign(data, secret)
        answer = await post(message.recipient, timeout=self._timeout, channel_down=False,
                            ca_file=self._ca_files.get(message.recipient), read=False,
                            data=data, headers=headers)
        status, retry_after = answer.status, answer.headers.get("Retry-After")
        if 200 <= status < 300:
            return None
        if status in (408, 429) or status >= 500:
            wait = float(retry_after) if retry_after and retry_after.isdigit() else None
            raise DeliveryError("server" if status >= 500 else "rate_limited",
                                f"HTTP {status}", channel_down=False, retry_after=wait)
        raise DeliveryError("refused", f"HTTP {status}", permanent=True)
