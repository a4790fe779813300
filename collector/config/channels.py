"""Config models of the chat and webhook channels: `telegram` and `webhook`. Like
`mail.groups`, each names its recipients by group; sites name their groups in `notify`, and
`central` gets everything."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, field_validator

from collector.config.durations import PositiveDuration, duration, rule_error
from collector.config.names import Name
from collector.config.secrets import SecretValue
from collector.config.text import Url


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CHANNEL_NAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{4,31}")


def _check_chat(value: int | str) -> int | str:
    if isinstance(value, int) or _CHANNEL_NAME.fullmatch(value):
        return value
    raise rule_error(f"'{value}' is not a chat id (a number such as -1001234567890) or a "
                     "channel's @username")


ChatId = Annotated[Annotated[int, Strict()] | Annotated[str, Strict()], AfterValidator(_check_chat)]


PollTimeout = duration(minimum=1.0, inclusive=True, maximum=50.0)
"""A long poll: Telegram holds getUpdates up to 50 s."""


class TelegramSettings(_Model):
    enabled: Annotated[bool, Strict()] = False
    """Without it nothing is sent to Telegram (and nothing is queued for it)."""
    token: SecretValue | None = None
    """The bot's token from @BotFather; write it as {env: ...} or {file: ...}."""
    api_url: Url = "https://api.telegram.org"
    """Telegram's Bot API, or a self-hosted telegram-bot-api server."""
    ca_file: Path | None = None
    """PEM CA certificates to check a self-hosted server's certificate against."""
    timeout: PositiveDuration = 10.0
    groups: dict[Name, Annotated[tuple[ChatId, ...], Field(min_length=1)]] = {}
    """Chats by group: ids (groups and channels are negative) or a channel's @username."""
    acknowledge: Annotated[bool, Strict()] = True
    """Down messages carry a button ("Ditangani") that takes the outage in hand; presses are
    read by long-polling getUpdates, so the collector needs no public address."""
    poll_timeout: PollTimeout = 30.0
    """How long one getUpdates call may wait for a press (whole seconds)."""

    _ca_file_needs_https = field_validator("ca_file")(lambda ca_file, info: _https_only(
        ca_file, info.data.get("api_url")))


class WebhookFormat(StrEnum):
    PANTAU = "pantau"
    """Pantau's own document, version 1 (docs/webhook.md)."""
    ALERTMANAGER = "alertmanager"
    """Alertmanager's webhook payload, version 4, for tools made for it."""


class WebhookEndpoint(_Model):
    url: Url
    secret: SecretValue | None = None
    """Shared secret: the body is signed with HMAC-SHA256 (X-Pantau-Signature)."""
    format: WebhookFormat = WebhookFormat.PANTAU
    ca_file: Path | None = None
    """PEM CA certificates to check the endpoint's certificate against (an office CA)."""

    _ca_file_needs_https = field_validator("ca_file")(lambda ca_file, info: _https_only(
        ca_file, info.data.get("url")))


def _https_only(ca_file: Path | None, url: str | None) -> Path | None:
    if ca_file is not None and url is not None and not url.startswith("https:"):
        raise rule_error(f"ca_file is for https:// URLs (not {url})")
    return ca_file


class WebhookSettings(_Model):
    enabled: Annotated[bool, Strict()] = False
    timeout: PositiveDuration = 10.0
    endpoints: dict[Name, WebhookEndpoint] = {}
    groups: dict[Name, Annotated[tuple[Name, ...], Field(min_length=1)]] = {}
    """Endpoints (by name) by group."""
