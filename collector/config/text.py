"""Text values the config checks the same way wherever they stand: regular expressions
(SNMP interface filters, service bodies, banners and answers) and http(s) URLs (services,
the Telegram API, webhooks)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Strict

from collector.config.durations import rule_error


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as err:
        raise rule_error(f"'{value}' is not a regular expression: {err}") from None
    return value


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise rule_error(f"'{value}' is not an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as err:
        raise rule_error(f"'{value}': {err}") from None
    return value


Regex = Annotated[str, Strict(), AfterValidator(_check_regex)]
Url = Annotated[str, Strict(), AfterValidator(_check_url)]
