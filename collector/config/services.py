"""Config models of a site's `services`: the agencies' own applications, checked from the
collector (`http`, `tcp`, `dns`), with what every kind shares (name, title, interval, timeout,
the latency that makes one degraded, hysteresis) in one base."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)

from collector.config.durations import PositiveDuration, rule_error
from collector.config.names import Name, title_from_name
from collector.config.text import Regex, Url


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Host = Annotated[str, Strict(), Field(min_length=1, max_length=253)]
Port = Annotated[int, Strict(), Field(ge=1, le=65535)]
StatusCode = Annotated[int, Strict(), Field(ge=100, le=599)]


class HttpMethod(StrEnum):
    GET = "GET"
    HEAD = "HEAD"
    POST = "POST"


class _ServiceBase(_Model):
    """What every kind of service check has."""

    name: Name
    title: Annotated[str, Strict()]
    interval: PositiveDuration = 60.0
    timeout: PositiveDuration = 10.0
    degraded_latency: PositiveDuration | None = None
    """An answer slower than this (the whole check) makes the service degraded."""
    warn_days: Annotated[int, Strict(), Field(ge=0, le=365)] = 30
    """A certificate that expires within this many days makes the service degraded."""
    down_after: Annotated[int, Strict(), Field(ge=1)] = 2
    up_after: Annotated[int, Strict(), Field(ge=1)] = 2

    _title = model_validator(mode="before")(classmethod(lambda cls, data: title_from_name(data)))

    @model_validator(mode="after")
    def _timeout_fits(self) -> _ServiceBase:
        if self.timeout >= self.interval:
            raise rule_error("timeout must be shorter than interval")
        return self


class HttpService(_ServiceBase):
    """A web application: one request, judged by its status, its body and its certificate."""

    kind: Literal["http"]
    url: Url
    method: HttpMethod = HttpMethod.GET
    expect_status: tuple[StatusCode, ...] = ()
    """The status codes that count as success; empty: any 2xx."""
    body_match: Regex | None = None
    """The body must match this (a regular expression searched in it)."""
    body_not_match: Regex | None = None
    """The body must not match this."""
    follow_redirects: bool = True
    tls_verify: bool = True
    ca_file: Path | None = None
    """PEM CA certificates to check the server's certificate against (default: the system's)."""
    body_limit: Annotated[int, Strict(), Field(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    """Bytes of the body read at most; a longer body fails the check (kind `body`)."""

    @model_validator(mode="after")
    def _fits(self) -> HttpService:
        if self.ca_file is not None and not self.url.startswith("https:"):
            raise rule_error("ca_file is for https:// URLs")
        return self


class TcpService(_ServiceBase):
    """A TCP service (SMTP, SSH, a database port): a connection, optionally TLS, optionally a
    line sent and a banner expected."""

    kind: Literal["tcp"]
    host: Host
    port: Port
    tls: bool = False
    tls_verify: bool = True
    ca_file: Path | None = None
    send: Annotated[str, Strict()] | None = None
    """Sent once connected (e.g. "QUIT\r\n"), after the banner is read if one is expected."""
    expect: Regex | None = None
    """A regular expression the first answer must match (e.g. "^220 " for SMTP, "^SSH-")."""

    @model_validator(mode="after")
    def _fits(self) -> TcpService:
        if self.ca_file is not None and not self.tls:
            raise rule_error("ca_file is for tls: true")
        return self


class RecordType(StrEnum):
    A = "A"
    AAAA = "AAAA"
    CNAME = "CNAME"
    MX = "MX"
    NS = "NS"
    PTR = "PTR"
    SOA = "SOA"
    SRV = "SRV"
    TXT = "TXT"
    CAA = "CAA"


class Rcode(StrEnum):
    NOERROR = "NOERROR"
    NXDOMAIN = "NXDOMAIN"
    SERVFAIL = "SERVFAIL"
    REFUSED = "REFUSED"


class DnsTransport(StrEnum):
    UDP = "udp"
    """UDP, and TCP again when the answer comes back truncated."""
    TCP = "tcp"


def _check_domain(value: str) -> str:
    labels = value.rstrip(".").split(".")
    if len(value) > 253 or not all(0 < len(label) <= 63 and _LABEL.fullmatch(label)
                                   for label in labels):
        raise rule_error(f"'{value}' is not a domain name")
    return value


_LABEL = re.compile(r"[A-Za-z0-9_*]([A-Za-z0-9_-]*[A-Za-z0-9_])?")
Domain = Annotated[str, Strict(), AfterValidator(_check_domain)]


class DnsService(_ServiceBase):
    """A name server: one query, judged by the answer's rcode and records."""

    kind: Literal["dns"]
    server: Host
    """The name server asked (an address, or a name resolved by the system)."""
    port: Port = 53
    query_name: Domain
    query_type: RecordType = RecordType.A
    transport: DnsTransport = DnsTransport.UDP
    recursion: bool = True
    """Ask for recursion (the RD flag); false for an authoritative server."""
    expect_rcode: tuple[Rcode, ...] = (Rcode.NOERROR,)
    answer_match: Regex | None = None
    """At least one record of the answer (as in a zone file: "name TTL IN A 192.0.2.1")
    must match this."""
    answer_not_match: Regex | None = None
    """No record of the answer may match this."""
    timeout: PositiveDuration = 5.0

    @model_validator(mode="after")
    def _fits(self) -> DnsService:
        if not self.expect_rcode:
            raise rule_error("expect_rcode needs at least one rcode")
        return self


Service = Annotated[HttpService | TcpService | DnsService, Field(discriminator="kind")]
