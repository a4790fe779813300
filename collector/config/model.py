"""Typed, frozen models of the collector's configuration file.

Defaults live here and only here. Values that a site or link may inherit (the round interval,
the link state settings) are resolved while validating, so the rest of the collector reads
`site.interval` and `link.state` without knowing where the value came from.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from collector.config.agents import AgentsSettings
from collector.config.alerting import AlertingSettings
from collector.config.channels import TelegramSettings, WebhookSettings
from collector.config.durations import (
    NonNegativeDuration,
    PositiveDuration,
    duration,
    rule_error,
)
from collector.config.mail import MailSettings
from collector.config.maintenance import MaintenanceWindow, TimeZoneName
from collector.config.names import Name, title_from_name
from collector.config.satellites import CoreLink, SatellitesSettings
from collector.config.services import Service
from collector.config.snmp import InterfaceFilter, SnmpAuth, SnmpSettings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_LISTEN_V6 = re.compile(r"\[(?P<host>[^\[\]]+)\]:(?P<port>\d+)")
_LISTEN_PLAIN = re.compile(r"(?P<host>[A-Za-z0-9.-]+):(?P<port>\d+)")


class SocketMode(StrEnum):
    """How ICMP echoes are sent; `auto` prefers unprivileged datagram sockets."""

    AUTO = "auto"
    DATAGRAM = "datagram"
    RAW = "raw"


class LinkKind(StrEnum):
    FIBER = "fiber"
    WIRELESS = "wireless"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def _parse_ip(value: object) -> IpAddress:
    # Only text: ipaddress would turn a bare YAML integer into an address like 0.0.0.10.
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if not isinstance(value, str):
        shown = {type(None): "nothing", list: "a list", dict: "a mapping"}.get(type(value), value)
        raise rule_error(f"expected an IP address, got {shown}")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise rule_error(f"'{value}' is not an IP address") from None


def split_listen(listen: str) -> tuple[str, int]:
    """Host and port of a `host:port` text; an IPv6 host is written in brackets."""
    match = _LISTEN_V6.fullmatch(listen) or _LISTEN_PLAIN.fullmatch(listen)
    if match is None:
        raise rule_error(f"'{listen}' is not host:port (e.g. 127.0.0.1:9147 or [::1]:9147)")
    host, port = match["host"], int(match["port"])
    if match.re is _LISTEN_V6 or host.replace(".", "").isdigit():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise rule_error(f"'{listen}': '{host}' is not an IP address") from None
    if not 1 <= port <= 65535:
        raise rule_error(f"'{listen}': the port must be 1 to 65535 (got {port})")
    return host, port


Target = Annotated[IpAddress, PlainValidator(_parse_ip)]
Count = Annotated[int, Strict(), Field(ge=1)]
# Below 10ms echoes to one target come so fast that some routers rate-limit the replies.
EchoInterval = duration(minimum=0.01, inclusive=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CollectorSettings(_Model):
    listen: Annotated[str, Strict()] = "127.0.0.1:9147"
    data_dir: Path = Path("/var/lib/pantau")
    log_level: LogLevel = LogLevel.INFO
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    max_connections_per_client: Annotated[int, Strict(), Field(ge=1, le=448)] = 32
    """Connections the HTTP server holds at once from one address (agents behind one NAT
    address share it); at most the 448 of 512 not kept for addresses that hold none."""
    timezone: TimeZoneName = "Asia/Makassar"
    """The office's zone: maintenance windows and report months are read in it (WITA)."""
    public_url: Annotated[str, Strict()] | None = None
    """Where people reach the status page (the collector's root); mails link to it."""

    @field_validator("listen")
    @classmethod
    def _valid_listen(cls, value: str) -> str:
        split_listen(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise rule_error("must be an http:// or https:// URL")
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _non_empty_dir(cls, value: object) -> object:
        # Path("") silently means the current directory; an empty value is more likely a slip.
        if value == "":
            raise rule_error("must not be empty (write . for the current directory)")
        return value

    @property
    def listen_host(self) -> str:
        return split_listen(self.listen)[0]

    @property
    def listen_port(self) -> int:
        return split_listen(self.listen)[1]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class RttBuckets(StrEnum):
    COMPACT = "compact"
    FULL = "full"


class IcmpSettings(_Model):
    socket: SocketMode = SocketMode.AUTO
    interval: PositiveDuration = 30.0
    jitter: NonNegativeDuration = 3.0
    echoes: Annotated[int, Strict(), Field(ge=1, le=100)] = 5
    echo_interval: EchoInterval = 1.0
    timeout: PositiveDuration = 2.0
    # At most 1400 so that an echo is not fragmented on a 1500-byte path, even through a tunnel.
    payload_size: Annotated[int, Strict(), Field(ge=16, le=1400)] = 56
    receive_buffer: Annotated[int, Strict(), Field(ge=65536)] = 4 * 1024 * 1024
    rtt_buckets: RttBuckets = RttBuckets.COMPACT
    """The RTT histogram's bounds (collector.state.measures): 10, or 20 for `full`."""


class StateSettings(_Model):
    down_after: Count = 3
    up_after: Count = 2
    degraded_loss: Annotated[float, Strict(), Field(gt=0, le=1)] = 0.1
    degraded_rtt: PositiveDuration = 0.15
    window: Count = 10


class Device(_Model):
    """An SNMP agent at a site: its router, its radio, the relay on the tower."""

    name: Name
    address: Target
    port: Annotated[int, Strict(), Field(ge=1, le=65535)] = 161
    auth: Name
    profiles: tuple[Name, ...] = Field(default=("system", "if_mib"), min_length=1)
    interfaces: InterfaceFilter = InterfaceFilter()
    interval: PositiveDuration
    """After loading: the device's own interval, or `snmp.interval` when it sets none."""


class LinkInterface(_Model):
    """The device interface that carries a link: its oper status takes the link down at once,
    before ping hysteresis would."""

    device: Name
    site: Name | None = None
    """The site the device belongs to; the link's own site when left out."""
    name: Annotated[str, Strict(), Field(min_length=1)]
    """ifName or ifAlias of the interface."""


class Link(_Model):
    name: Name
    kind: LinkKind
    parent: Name | None = None
    targets: tuple[Target, ...] = Field(min_length=1)
    state: StateSettings = StateSettings()
    """After loading: the file's `state` section overlaid with this link's own keys."""
    interface: LinkInterface | None = None


class Site(_Model):
    name: Name
    title: Annotated[str, Strict()]
    interval: PositiveDuration
    """After loading: the site's own interval, or `icmp.interval` when it sets none."""
    links: tuple[Link, ...] = Field(min_length=1)
    devices: tuple[Device, ...] = ()
    notify: tuple[Name, ...] = ()
    """Groups (`mail.groups`, `telegram.groups`, `webhook.groups`) told about this site,
    besides `central`."""
    maintenance: tuple[MaintenanceWindow, ...] = ()
    services: tuple[Service, ...] = ()
    """The agencies' applications checked at this site (http)."""
    satellite: Name | None = None
    """The satellite (`satellites.clients`) that probes this site; the core itself does not."""

    _title = model_validator(mode="before")(classmethod(lambda cls, data: title_from_name(data)))


class CollectorConfig(_Model):
    collector: CollectorSettings = CollectorSettings()
    icmp: IcmpSettings = IcmpSettings()
    state: StateSettings = StateSettings()
    snmp: SnmpSettings = SnmpSettings()
    alerting: AlertingSettings = AlertingSettings()
    auths: dict[Name, SnmpAuth] = {}
    agents: AgentsSettings = AgentsSettings()
    mail: MailSettings = MailSettings()
    telegram: TelegramSettings = TelegramSettings()
    webhook: WebhookSettings = WebhookSettings()
    satellites: SatellitesSettings = SatellitesSettings()
    core: CoreLink | None = None
    """Set on a satellite: the core it sends its observations to."""
    sites: tuple[Site, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, data: Any) -> Any:
        """Fill each site's interval and each link's state from the file's global sections."""
        if not isinstance(data, dict):
            return data
        # A section whose keys are all commented out reads as null; it means "all defaults".
        data = {k: v for k, v in data.items() if not (k in _SECTIONS and v is None)}
        # A broken global section is reported on itself; the sites then inherit the defaults
        # so the same mistake is not repeated once per site.
        interval = _valid_or_default(IcmpSettings, data.get("icmp", {})).interval
        state = _valid_or_default(StateSettings, data.get("state", {})).model_dump()
        snmp_interval = _valid_or_default(SnmpSettings, data.get("snmp", {})).interval
        if isinstance(data.get("sites"), list):
            data["sites"] = [_inherit_site(site, interval, state, snmp_interval)
                             for site in data["sites"]]
        return data

    def site(self, name: str) -> Site:
        """The site called `name`; KeyError if there is none."""
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)


_SECTIONS = ("collector", "icmp", "state", "snmp", "auths", "agents", "alerting", "mail",
             "telegram", "webhook", "satellites")
_M = TypeVar("_M", bound=_Model)


def _valid_or_default(model: type[_M], raw: object) -> _M:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return model()


def _inherit_site(site: object, interval: float, state: dict[str, Any],
                  snmp_interval: float) -> object:
    if not isinstance(site, dict):
        return site
    site = {"interval": interval, **site}
    if isinstance(site.get("links"), list):
        site["links"] = [_inherit_link(link, state) for link in site["links"]]
    if isinstance(site.get("devices"), list):
        site["devices"] = [{"interval": snmp_interval, **device} if isinstance(device, dict)
                           else device for device in site["devices"]]
    return site


def _inherit_link(link: object, state: dict[str, Any]) -> object:
    if not isinstance(link, dict):
        return link
    own = link.get("state")
    if own is None:
        return {**link, "state": state}
    if isinstance(own, dict):
        return {**link, "state": {**state, **own}}
    return link
