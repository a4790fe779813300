"""Config models for the `mail` section: the SMTP server, who gets outage mails, and how."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from collector.config.durations import PositiveDuration, rule_error
from collector.config.names import Name
from collector.config.secrets import SecretValue

# Deliberately loose: the mail server is the judge of an address; this catches slips such as
# a missing @, a space, or a name written where an address belongs.
_ADDRESS = re.compile(r"[^@\s<>(),;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")
_HOST = re.compile(r"[A-Za-z0-9._:-]+")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_address(value: str) -> str:
    """`value` if it looks like name@domain; a rule error otherwise."""
    if not _ADDRESS.fullmatch(value):
        raise rule_error(f"'{value}' is not an email address (expected name@domain)")
    return value


def _check_host(value: str) -> str:
    if not _HOST.fullmatch(value):
        raise rule_error(f"'{value}' is not a host name or IP address")
    return value


Address = Annotated[str, Strict(), AfterValidator(check_address)]
GroupName = Name
Port = Annotated[int, Strict(), Field(ge=1, le=65535)]


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS before anything else is said (submission)."""
    TLS = "tls"
    """TLS from the first byte (implicit TLS, "SMTPS")."""
    NONE = "none"
    """No encryption: only for a relay on the same host or a trusted network."""


DEFAULT_PORTS = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}


class MailLanguage(StrEnum):
    ID = "id"
    EN = "en"


class SmtpSettings(_Model):
    host: Annotated[str, Strict(), AfterValidator(_check_host)] | None = None
    port: Port
    """After loading: the port written, or the usual one for `security`."""
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: Annotated[str, Strict(), Field(min_length=1)] | None = None
    password: SecretValue | None = None
    ca_file: Path | None = None
    """CA certificates (PEM) to check the server with; the system's store when left out."""
    timeout: PositiveDuration = 10.0
    """For connecting and for every reply but the last."""
    data_timeout: PositiveDuration = 600.0
    """For the reply to the end of a mail's data: RFC 5321 (4.5.3.2.6) asks for 10 minutes,
    for the server may be checking the mail then. A mail whose reply does not come in time
    has an unknown fate, and is sent once more (with the same Message-ID)."""

    @model_validator(mode="before")
    @classmethod
    def _port_from_security(cls, data: Any) -> Any:
        if isinstance(data, dict) and "port" not in data:
            security = data.get("security", SmtpSecurity.STARTTLS)
            # A bad security value is reported on `security`; 587 keeps it to one error.
            port = DEFAULT_PORTS.get(security, 587) if isinstance(security, str) else 587
            return {**data, "port": port}
        return data


class MailRetry(_Model):
    """Backoff while the server cannot take mail: `first`, doubling up to `max`."""

    first: PositiveDuration = 30.0
    max: PositiveDuration = 1800.0


class MailSettings(_Model):
    """Times in mails are shown in the office's zone, `collector.timezone`."""

    enabled: Annotated[bool, Strict()] = False
    """Without it mails are still rendered and kept in the outbox, but never sent."""
    smtp: SmtpSettings = SmtpSettings()
    sender: Address | None = Field(default=None, alias="from")
    language: MailLanguage = MailLanguage.ID
    groups: dict[GroupName, Annotated[tuple[Address, ...], Field(min_length=1)]] = {}
    """Recipients by group; `central` gets every mail, sites name theirs in `notify`."""
    retry: MailRetry = MailRetry()


CENTRAL_GROUP = "central"
