"""Who hears about a group of notifications on the chat and webhook channels: `central`, and
the groups the concerned sites name in `notify`, each recipient once; and the messages the
outbox stores for them, one per (channel, recipient, group)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from collector.alerting.notifications import Notification
from collector.config import CollectorConfig
from collector.config.channels import WebhookFormat
from collector.config.mail import CENTRAL_GROUP
from collector.notify.compose import title
from collector.notify.store import Message
from collector.notify.telegram import message_params
from collector.notify.webhook import (
    alertmanager_document,
    idempotency_key,
    pantau_document,
    webhook_payload,
)
from collector.words import WORDS


def groups_told(notifications: Sequence[Notification], config: CollectorConfig) -> list[str]:
    """`central`, then the notify groups of every site concerned, in order, each once."""
    names = [CENTRAL_GROUP]
    known = {site.name: site for site in config.sites}
    for notification in notifications:
        for site in notification.sites:
            if site in known:  # a site dropped by a reload may still be named
                names.extend(known[site].notify)
    return list(dict.fromkeys(names))


def _recipients(groups: list[str], by_group: Mapping[str, Sequence[object]]) -> list[str]:
    return list(dict.fromkeys(str(each) for group in groups for each in by_group.get(group, ())))


def channel_messages(notifications: Sequence[Notification],
                     config: CollectorConfig) -> list[Message]:
    """The messages for every enabled channel other than mail."""
    if not notifications:
        return []
    groups = groups_told(notifications, config)
    key = idempotency_key(notifications)
    heading = title(notifications, WORDS[config.mail.language], "")
    messages: list[Message] = []
    telegram = config.telegram
    if telegram.enabled:
        params, tags = message_params(notifications, config, telegram.acknowledge)
        for chat in _recipients(groups, telegram.groups):
            chat_id: int | str = int(chat) if chat.lstrip("-").isdigit() else chat
            messages.append(Message("telegram", chat, key, json.dumps(
                {"chat_id": chat_id, **params}, ensure_ascii=False), heading, tags))
    webhook = config.webhook
    if webhook.enabled:
        documents: dict[WebhookFormat, str] = {}
        for name in _recipients(groups, webhook.groups):
            endpoint = webhook.endpoints[name]
            if endpoint.format not in documents:
                make = (alertmanager_document if endpoint.format is WebhookFormat.ALERTMANAGER
                        else pantau_document)
                documents[endpoint.format] = webhook_payload(
                    make(notifications, config),
                    alertmanager=endpoint.format is WebhookFormat.ALERTMANAGER)
            messages.append(Message("webhook", endpoint.url, key, documents[endpoint.format],
                                    heading))
    return messages
