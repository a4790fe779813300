"""`collector agents`: enrolling the agents of the agencies' servers.

`add` makes a strong token and writes it to the agent's token file beside the config
(`collector.config.enrolled`), `rotate` gives it a new one (the old one is still taken for a
grace period, while the server is updated), `remove` takes it away, `list` shows them all.
Each checks the config with the change before keeping it, and has the running collector reload.
No token is ever printed: the token file is what goes to the agency's server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from collector.config import CollectorConfig, load_config
from collector.config.enrolled import (
    OLD_SUFFIX,
    TOKEN_SUFFIX,
    directory_of,
    old_path,
    old_token_text,
    token_path,
)
from collector.errors import ConfigError, PantauError
from pantau_units import write_file

TOKEN_BYTES = 32
"""256 bits of the system's randomness, written as 43 URL-safe characters."""


class EnrolmentError(PantauError):
    """The change cannot be made (a name taken, a site unknown, a file not writable)."""


@dataclass(frozen=True)
class AgentEntry:
    name: str
    site: str
    enrolled: Path | None
    """Its token file, for an agent enrolled with `agents add` (None: in the config)."""
    previous_until: datetime | None


def entries(config: CollectorConfig, config_path: Path) -> list[AgentEntry]:
    directory = directory_of(config_path, config.agents.directory)
    found = []
    for client in config.agents.clients:
        path = token_path(directory, client.site, client.name)
        found.append(AgentEntry(client.name, client.site, path if path.is_file() else None,
                                client.previous_until))
    return found


def add(config: CollectorConfig, config_path: Path, name: str, site: str) -> Path:
    """Enrol agent ``name`` at ``site``: its token file, written and checked."""
    if any(client.name == name for client in config.agents.clients):
        raise EnrolmentError(f"there is already an agent {name}")
    sites = [each.name for each in config.sites]
    if site not in sites:
        raise EnrolmentError(f"site '{site}' is not defined (defined: {', '.join(sites)})")
    directory = directory_of(config_path, config.agents.directory)
    path = token_path(directory, site, name)
    _make_directories(path.parent, config, config_path)
    _write_secret(path, _new_token() + "\n", _owner(config, config_path), exclusive=True)
    _keep_if_valid(config_path, undo=lambda: _remove(path))
    return path


def rotate(config: CollectorConfig, config_path: Path, name: str, grace: float) -> Path:
    """A new token for ``name``; the one before is taken for ``grace`` seconds more."""
    entry = _enrolled(config, config_path, name)
    assert entry.enrolled is not None
    path = entry.enrolled
    old = old_path(path.parent.parent, entry.site, name)
    before = path.read_bytes()
    previous = old.read_bytes() if old.exists() else None
    until = datetime.fromtimestamp(time.time() + grace, config.collector.zone)
    owner = _owner(config, config_path)
    _write_secret(old, old_token_text(before.decode().strip(), until), owner)
    _write_secret(path, _new_token() + "\n", owner)

    def undo() -> None:
        _write_secret(path, before.decode(), owner)
        if previous is None:
            _remove(old)
        else:
            _write_secret(old, previous.decode(), owner)

    _keep_if_valid(config_path, undo)
    return path


def remove(config: CollectorConfig, config_path: Path, name: str) -> None:
    entry = _enrolled(config, config_path, name)
    assert entry.enrolled is not None
    _remove(entry.enrolled)
    _remove(entry.enrolled.with_name(name + OLD_SUFFIX))
    with contextlib.suppress(OSError):
        entry.enrolled.parent.rmdir()  # the site's directory, once empty


def _enrolled(config: CollectorConfig, config_path: Path, name: str) -> AgentEntry:
    entry = next((each for each in entries(config, config_path) if each.name == name), None)
    if entry is None:
        raise EnrolmentError(f"there is no agent {name}")
    if entry.enrolled is None:
        raise EnrolmentError(f"agent {name} is written in {config_path} (agents.clients), "
                             "not enrolled with `collector agents add`: change it there")
    return entry


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _keep_if_valid(config_path: Path, undo: Callable[[], None]) -> None:
    try:
        load_config(config_path)
    except ConfigError as err:
        undo()
        raise EnrolmentError("the config would not be valid with it; nothing changed:\n  " +
                             "\n  ".join(err.errors)) from None


def _owner(config: CollectorConfig, config_path: Path) -> tuple[int, int]:
    """Who the token files belong to: the collector's user, who owns its data directory (or,
    before its first start, the owner of the config file)."""
    for path in (config.collector.data_dir, config_path):
        with contextlib.suppress(OSError):
            status = path.stat()
            return status.st_uid, status.st_gid
    return os.geteuid(), os.getegid()


def _make_directories(path: Path, config: CollectorConfig, config_path: Path) -> None:
    uid, gid = _owner(config, config_path)
    for directory in (path.parent, path):
        if directory.is_dir():
            continue
        directory.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(directory, uid, gid)


def _write_secret(path: Path, text: str, owner: tuple[int, int],
                  exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` with mode 0600, owned by ``owner`` (when root writes it):
    readable by the collector's user alone, and by nobody else even for a moment."""
    if exclusive and path.exists():
        raise EnrolmentError(f"{path} exists already")
    try:
        write_file(str(path), text, 0o600, owner if os.geteuid() == 0 else None)
    except OSError as err:
        raise EnrolmentError(f"cannot write {path}: {err.strerror}") from None


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def collector_url(config: CollectorConfig) -> str:
    """The address agents reach the collector at: ``collector.public_url`` (the collector's
    root, as people reach it), else the listening address (this host's name when it listens
    on every address)."""
    settings = config.collector
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scheme = "https" if settings.tls_cert_file else "http"
    host = settings.listen_host
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{settings.listen_port}"


def install_command(config: CollectorConfig, name: str, site: str, token_file: Path) -> str:
    """The command that installs the agent on its server, the token file copied beside it."""
    ca = " --ca-file CA.pem" if config.collector.tls_cert_file else ""
    return (f"sudo agent install --collector {collector_url(config)} --name {name} "
            f"--site {site} --token-file {token_file.name}{ca}")


__all__ = ["TOKEN_SUFFIX", "AgentEntry", "EnrolmentError", "add", "collector_url", "entries",
           "install_command", "remove", "rotate"]
