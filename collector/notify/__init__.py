"""Telling people on every channel: what each says, laid out once (`compose`); the chat
(`telegram`) and webhook (`webhook`) channels; one outbox for them (`outbox`, `store`); and
who hears about what (`routing`). Mail is a channel of the same outbox (`collector.mail`)."""

from __future__ import annotations

from collector.config import CollectorConfig
from collector.notify.outbox import Channel
from collector.notify.telegram import TelegramChannel
from collector.notify.webhook import WebhookChannel

FILE_NAME = "outbox.sqlite3"
"""The channels' outbox, in `collector.data_dir`."""


def channels(config: CollectorConfig) -> list[Channel]:
    """The enabled channels other than mail."""
    found: list[Channel] = []
    telegram = config.telegram
    if telegram.enabled and telegram.token is not None:
        found.append(TelegramChannel(telegram.token.reveal(), telegram.api_url,
                                     telegram.timeout, telegram.ca_file))
    webhook = config.webhook
    if webhook.enabled:
        secrets = {endpoint.url: endpoint.secret.reveal()
                   for endpoint in webhook.endpoints.values() if endpoint.secret is not None}
        found.append(WebhookChannel(secrets, webhook.timeout, {
            endpoint.url: endpoint.ca_file for endpoint in webhook.endpoints.values()
            if endpoint.ca_file is not None}))
    return found
