"""The collector's configuration: typed, frozen models and the YAML loader that builds them."""

from collector.config.durations import format_duration, parse_duration
from collector.config.loader import load_config, parse_config_text
from collector.config.model import (
    CollectorConfig,
    CollectorSettings,
    Device,
    IcmpSettings,
    Link,
    LinkInterface,
    LinkKind,
    LogLevel,
    RttBuckets,
    Site,
    SocketMode,
    StateSettings,
)

__all__ = [
    "CollectorConfig",
    "CollectorSettings",
    "Device",
    "IcmpSettings",
    "Link",
    "LinkInterface",
    "LinkKind",
    "LogLevel",
    "RttBuckets",
    "Site",
    "SocketMode",
    "StateSettings",
    "format_duration",
    "load_config",
    "parse_config_text",
    "parse_duration",
]
