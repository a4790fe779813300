"""The agent's configuration: a short ``key = value`` file.

A file of plain lines keeps the agent free of a YAML parser (a megabyte and a half of memory
for a dozen keys). ``#`` starts a comment line; a value runs to the end of its line, so a
token may hold any character. Errors name the file, line and key, as the collector's do.
"""

from __future__ import annotations

import math
import os
import re

DEFAULT_PATH = "/etc/pantau/agent.conf"
DEFAULT_STATE_DIR = "/var/lib/pantau-agent"
LOG_LEVELS = ("debug", "info", "warning", "error")
# The collector's rule for agent and site names; the name also appears in the push URL.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h))+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# A scheme, a host (a name, an IPv4 address or a bracketed IPv6 one), a port, a path prefix.
_URL = re.compile(r"(https?)://(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?"
                  r"(/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?")
_SIZE = re.compile(r"(\d+)\s*(B|KiB|MiB|GiB)?")
_BYTES = {None: 1, "B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


class AgentConfigError(Exception):
    """A configuration that cannot be used; one finished line per problem in ``errors``."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


class AgentConfig:
    """The agent's settings; built by ``parse_config_text``.

    A plain class rather than a dataclass: the dataclasses module would cost the agent's
    resident memory about a megabyte and a half.
    """

    __slots__ = ("ca_file", "collector", "interval", "log_level", "name", "site",
                 "spool_max_bytes", "spool_max_reports", "state_dir", "timeout", "token")

    def __init__(self, collector: str, name: str, token: str, site: str | None = None,
                 interval: float = 15.0, timeout: float = 10.0, ca_file: str | None = None,
                 state_dir: str = DEFAULT_STATE_DIR, spool_max_reports: int = 5760,
                 spool_max_bytes: int = 64 * 1024**2, log_level: str = "info") -> None:
        self.collector = collector
        """Base URL of the collector, e.g. https://pantau.example:9147"""
        self.name = name
        self.token = token
        self.site = site
        """When set, the collector checks that it places the agent in this site too."""
        self.interval = interval
        self.timeout = timeout
        self.ca_file = ca_file
        self.state_dir = state_dir
        self.spool_max_reports = spool_max_reports
        self.spool_max_bytes = spool_max_bytes
        self.log_level = log_level

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AgentConfig) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__
                          if name != "token")
        return f"AgentConfig({shown})"


def parse_duration(text: str) -> float:
    """Seconds for ``15``, ``1.5``, ``500ms``, ``30s``, ``5m``, ``1h``, ``1m30s``.

    The collector's syntax; its parser lives with pydantic, which the agent does not load.
    """
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        if not _DURATION.fullmatch(text):
            raise ValueError(f"'{text}' is not a duration (use e.g. 500ms, 30s, 5m)") from None
        seconds = sum(float(n) * _SECONDS[unit] for n, unit in _DURATION_PART.findall(text))
    if not math.isfinite(seconds):
        raise ValueError(f"'{text}' is not a duration (use e.g. 500ms, 30s, 5m)")
    return seconds


def parse_size(text: str) -> int:
    """Bytes for ``1048576``, ``512KiB``, ``64MiB``, ``1GiB``."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not a size (use e.g. 65536, 512KiB, 64MiB)")
    return int(match[1]) * _BYTES[match[2]]


def split_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path)`` of the collector's URL; raises ValueError.

    urllib.parse would cost the agent half a megabyte of memory, for a URL that holds no
    more than a scheme, a host, a port and a path prefix (no user, query or fragment).
    """
    match = _URL.fullmatch(url)
    if match is None:
        raise ValueError(f"'{url}' is not an http:// or https:// URL")
    scheme, ipv6, name, port, path = match.groups()
    number = int(port) if port else (443 if scheme == "https" else 80)
    if not 0 < number < 65536:
        raise ValueError(f"'{url}': port {port} is out of range")
    return scheme, ipv6 or name, number, (path or "").rstrip("/")


def _url(value: str) -> str:
    split_url(value)
    return value.rstrip("/")


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"'{value}' is not a valid name (lower-case letters, digits, '-' and "
                         "'_', starting with a letter or digit, at most 63 characters)")
    return value


def _at_least(minimum: float, parse, shown: str):
    def check(value: str):
        number = parse(value)
        if number < minimum:
            raise ValueError(f"must be at least {shown} (got {value.strip()})")
        return number
    return check


def _level(value: str) -> str:
    if value not in LOG_LEVELS:
        raise ValueError(f"'{value}' is not one of: {', '.join(LOG_LEVELS)}")
    return value


_KEYS = {
    "collector": _url,
    "name": _name,
    "site": _name,
    "token": str,
    "token_file": str,
    "interval": _at_least(0.1, parse_duration, "100ms"),
    "timeout": _at_least(0.1, parse_duration, "100ms"),
    "ca_file": str,
    "state_dir": str,
    "spool_max_reports": _at_least(1, int, "1"),
    "spool_max_bytes": _at_least(65536, parse_size, "64KiB"),
    "log_level": _level,
}
_REQUIRED = ("collector", "name")


def parse_config_text(text: str, source: str, environ: dict[str, str] | None = None
                      ) -> AgentConfig:
    """Validate config text; ``source`` names the file in messages. Raises AgentConfigError.

    Without ``state_dir`` the spool and state go to systemd's ``$STATE_DIRECTORY``, else to
    /var/lib/pantau-agent.
    """
    environ = os.environ if environ is None else environ
    errors: list[str] = []
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = (part.strip() for part in line.partition("="))
        if not sep:
            errors.append(f"{source}:{number}: expected 'key = value', got '{line}'")
        elif key not in _KEYS:
            errors.append(f"{source}:{number}: {key}: unknown key (allowed: {', '.join(_KEYS)})")
        elif key in lines:
            errors.append(f"{source}:{number}: {key}: already set on line {lines[key]}")
        elif not value:
            errors.append(f"{source}:{number}: {key}: must not be empty")
        else:
            lines[key] = number
            try:
                values[key] = _KEYS[key](value)
            except ValueError as err:
                errors.append(f"{source}:{number}: {key}: {err}")
    last = len(text.splitlines()) or 1
    for key in _REQUIRED:
        if key not in lines:
            errors.append(f"{source}:{last}: {key}: required key is missing")
    if "token" in values and "token_file" in values:
        errors.append(f"{source}:{lines['token_file']}: token_file: set either token or "
                      "token_file, not both")
    elif "token_file" in values:
        try:
            with open(str(values.pop("token_file")), encoding="utf-8") as file:
                values["token"] = file.read().strip()
        except OSError as err:
            errors.append(f"{source}:{lines['token_file']}: token_file: cannot read it: "
                          f"{err.strerror}")
        else:
            if not values["token"]:
                errors.append(f"{source}:{lines['token_file']}: token_file: the file is empty")
    elif "token" not in values:
        errors.append(f"{source}:{last}: token: required key is missing (or token_file)")
    if "ca_file" in values and str(values.get("collector", "")).startswith("http:"):
        errors.append(f"{source}:{lines['ca_file']}: ca_file: needs an https:// collector URL")
    if errors:
        # A stable sort on the line number alone keeps problems of one line in the order found.
        raise AgentConfigError(
            sorted(errors, key=lambda e: int(e[len(source) + 1:].partition(":")[0])))
    values.setdefault("state_dir", environ.get("STATE_DIRECTORY") or DEFAULT_STATE_DIR)
    return AgentConfig(**values)  # type: ignore[arg-type]


def load_config(path: str) -> AgentConfig:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as err:
        raise AgentConfigError([f"{path}: cannot read the file: {err.strerror}"]) from None
    except UnicodeDecodeError as err:
        raise AgentConfigError([f"{path}: cannot read the file: not UTF-8 ({err.reason})"]
                               ) from None
    return parse_config_text(text, path)
