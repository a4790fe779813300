"""Agents enrolled by `collector agents add`: one token file per agent, beside the config.

    agents.d/                      (agents.directory, relative to the config file)
      bappeda/                     the site
        bappeda-server.token       the agent's token, nothing else (mode 0600)
        bappeda-server.token.old   after `agents rotate`: the token before, and until when
                                   it is still taken ("# valid until 2026-12-08T10:00:00+08:00")

The token file is what `agent install --token-file` reads on the agency's server. The files
are read with the config, and again at every reload; an agent there is an agent of
``agents.clients`` in every respect. Errors name the file.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from collector.config.agents import AgentClient
from collector.config.durations import rule_error
from collector.config.model import CollectorConfig
from collector.config.secrets import Secret, read_secret_file
from collector.errors import ConfigError

TOKEN_SUFFIX = ".token"
OLD_SUFFIX = ".token.old"
VALID_UNTIL = "# valid until "
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


def directory_of(config_path: Path, directory: Path) -> Path:
    """``agents.directory`` as a path: relative to the config file's directory."""
    return directory if directory.is_absolute() else config_path.parent / directory


def token_path(directory: Path, site: str, name: str) -> Path:
    return directory / site / f"{name}{TOKEN_SUFFIX}"


def old_path(directory: Path, site: str, name: str) -> Path:
    return directory / site / f"{name}{OLD_SUFFIX}"


def read_enrolled(directory: Path) -> tuple[list[AgentClient], list[str]]:
    """The agents enrolled under ``directory`` (none if it does not exist), and the problems
    found, each naming its file."""
    clients: list[AgentClient] = []
    errors: list[str] = []
    if not directory.is_dir():
        return clients, errors
    for site_dir in sorted(directory.iterdir()):
        if not site_dir.is_dir():
            continue
        for path in sorted(site_dir.glob(f"*{TOKEN_SUFFIX}")):
            name = path.name[:-len(TOKEN_SUFFIX)]
            if not _NAME.fullmatch(name) or not _NAME.fullmatch(site_dir.name):
                errors.append(f"{path}: not an agent's token file (SITE/NAME.token, names of "
                              "lowercase letters, digits, - and _)")
                continue
            where = path
            try:
                fields: dict[str, object] = {"name": name, "site": site_dir.name,
                                             "token": _token(path)}
                old = path.with_name(name + OLD_SUFFIX)
                if old.exists():
                    where = old
                    token, _, rest = read_secret_file(old).partition("\n")
                    fields["previous_token"] = Secret(token.strip())
                    fields["previous_until"] = _valid_until(old, rest)
                clients.append(AgentClient.model_validate(fields))
            except PydanticCustomError as err:
                errors.append(f"{where}: {err.message()}")
            except ValidationError as err:
                errors.append(f"{where}: {'; '.join(e['msg'] for e in err.errors())}")
    return clients, errors


def _token(path: Path) -> Secret:
    token = read_secret_file(path)
    if not token:
        raise rule_error("the file is empty")
    if any(ch.isspace() for ch in token):
        raise rule_error("a token file holds the token alone, on one line")
    return Secret(token)


def _valid_until(path: Path, text: str) -> datetime:
    for line in text.splitlines():
        if line.startswith(VALID_UNTIL):
            try:
                until = datetime.fromisoformat(line[len(VALID_UNTIL):].strip())
            except ValueError:
                break
            if until.tzinfo is not None:
                return until
    raise rule_error(f"{path.name} must say until when it is valid, on a line "
                     f"'{VALID_UNTIL}YYYY-MM-DDTHH:MM:SS+HH:MM'")


def old_token_text(token: str, until: datetime) -> str:
    """What a ``.token.old`` file holds: the token, then until when it is taken."""
    return f"{token}\n{VALID_UNTIL}{until.isoformat(timespec='seconds')}\n"


def with_enrolled(config: CollectorConfig, config_path: Path) -> CollectorConfig:
    """``config`` with the agents enrolled beside it in ``agents.clients``; raises
    ConfigError naming each file that is wrong."""
    directory = directory_of(config_path, config.agents.directory)
    clients, errors = read_enrolled(directory)
    if not clients and not errors:
        return config
    sites = [site.name for site in config.sites]
    names = {client.name: "agents.clients of the config" for client in config.agents.clients}
    tokens = {client.token for client in config.agents.clients}
    for client in clients:
        path = token_path(directory, client.site, client.name)
        if client.name in names:
            errors.append(f"{path}: agent '{client.name}' is also in {names[client.name]}")
        if client.site not in sites:
            errors.append(f"{path}: site '{client.site}' is not defined (defined: "
                          f"{', '.join(sites)})")
        if client.token in tokens:
            # Never the token itself: the message may end up in a log.
            errors.append(f"{path}: the same token as another agent (each agent needs its own)")
        names.setdefault(client.name, str(path))
        tokens.add(client.token)
    if errors:
        raise ConfigError(errors)
    agents = config.agents.model_copy(update={"clients": (*config.agents.clients, *clients)})
    return config.model_copy(update={"agents": agents})
