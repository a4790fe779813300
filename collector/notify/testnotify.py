"""`collector test-notify`: one test message on a channel, to a group's recipients, straight
to the channel (not through the outbox), saying for each recipient what happened."""

from __future__ import annotations

import html
import json
import socket
import time
import uuid

from collector.config import CollectorConfig
from collector.config.channels import WebhookFormat
from collector.config.mail import CENTRAL_GROUP
from collector.notify import channels
from collector.notify.outbox import DeliveryError
from collector.notify.store import Message
from collector.notify.webhook import SCHEMA_VERSION, webhook_payload
from collector.words import WORDS, format_time

CHANNELS = ("telegram", "webhook")


def problems_before_test(config: CollectorConfig, channel: str, group: str) -> list[str]:
    """Why a test cannot even be tried, as `key.path: message` lines (empty: it can)."""
    section = getattr(config, channel)
    if not section.enabled:
        return [f"{channel}.enabled: not true (the channel is off)"]
    if channel == "telegram" and config.telegram.token is None:
        return ["telegram.token: not set (the bot's token from @BotFather)"]
    if group not in section.groups:
        defined = ", ".join(section.groups) or "none"
        return [f"{channel}.groups.{group}: not set (defined: {defined}); name one with "
                "--group"]
    return []


def test_messages(config: CollectorConfig, channel: str, group: str) -> list[Message]:
    words = WORDS[config.mail.language]
    text = words.test_message.format(host=socket.gethostname(), channel=channel,
                                     time=format_time(words, time.time(),
                                                      config.collector.zone))
    key = f"test-{uuid.uuid4().hex}"
    if channel == "telegram":
        return [Message("telegram", str(chat), key, json.dumps(
            {"chat_id": chat, "text": f"<b>Pantau</b>\n{html.escape(text, quote=False)}",
             "parse_mode": "HTML"}, ensure_ascii=False), text)
            for chat in config.telegram.groups[group]]
    messages = []
    for name in config.webhook.groups[group]:
        endpoint = config.webhook.endpoints[name]
        if endpoint.format is WebhookFormat.ALERTMANAGER:
            document = {"version": "4", "groupKey": key, "truncatedAlerts": 0,
                        "status": "firing", "receiver": "pantau", "groupLabels": {},
                        "commonLabels": {"alertname": "PantauTest"}, "commonAnnotations": {},
                        "externalURL": config.collector.public_url or "",
                        "alerts": [{"status": "firing",
                                    "labels": {"alertname": "PantauTest", "source": "pantau"},
                                    "annotations": {"summary": text}, "startsAt":
                                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                    "endsAt": "0001-01-01T00:00:00Z",
                                    "generatorURL": config.collector.public_url or "",
                                    "fingerprint": uuid.uuid4().hex[:16]}]}
        else:
            document = {"version": SCHEMA_VERSION, "source": "pantau", "key": uuid.uuid4().hex
                        + uuid.uuid4().hex, "language": config.mail.language.value,
                        "title": text, "status_page": config.collector.public_url,
                        "test": True, "events": []}
        messages.append(Message("webhook", endpoint.url, key, webhook_payload(
            document, alertmanager=endpoint.format is WebhookFormat.ALERTMANAGER), text))
    return messages


async def send_test(config: CollectorConfig, channel: str,
                    group: str = CENTRAL_GROUP) -> list[tuple[str, DeliveryError | None]]:
    """Each recipient, and the error its test message met (None: delivered)."""
    [sender] = [each for each in channels(config) if each.name == channel]
    results: list[tuple[str, DeliveryError | None]] = []
    for message in test_messages(config, channel, group):
        try:
            await sender.send(message)
        except DeliveryError as err:
            results.append((message.recipient, err))
        else:
            results.append((message.recipient, None))
    return results
