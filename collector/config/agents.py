"""Config models for the `agents` section: who may push host readings, and how long they count."""

from __future__ import annotations

import hmac
import re
from pathlib import Path
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from collector.config.durations import PositiveDuration, rule_error
from collector.config.names import Name
from collector.config.secrets import SecretValue

_SIZE = re.compile(r"(\d+)\s*(B|KiB|MiB|GiB)?")
_BYTES = {None: 1, "B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_size(value: object) -> int:
    """Bytes for a YAML integer or a text such as 512KiB or 1MiB."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise rule_error(f"{value!r} is not a size (use e.g. 65536, 512KiB, 1MiB)")
    return int(match[1]) * _BYTES[match[2]]


# Below 16KiB even a small host's report would not fit.
BodySize = Annotated[int, BeforeValidator(parse_size), Field(ge=16384)]


class AgentClient(_Model):
    """An agent allowed to push: its name (in the push URL), its site and its own token."""

    name: Name
    site: Name
    token: SecretValue
    previous_token: SecretValue | None = None
    """The token before a rotation, taken too until ``previous_until``."""
    previous_until: AwareDatetime | None = None

    def accepts(self, token: str, now: float) -> bool:
        """Whether ``token`` is this agent's (compared in constant time)."""
        given = token.encode()
        if hmac.compare_digest(given, self.token.reveal().encode()):
            return True
        return (self.previous_token is not None and self.previous_until is not None
                and now < self.previous_until.timestamp()
                and hmac.compare_digest(given, self.previous_token.reveal().encode()))


class AgentsSettings(_Model):
    silence: PositiveDuration = 60.0
    """An agent without a live report for this long is down."""
    expire: PositiveDuration = 300.0
    """Its host series leave /metrics after this long without a live report."""
    max_body: BodySize = 1024 * 1024
    max_samples: Annotated[int, Strict(), Field(ge=100)] = 20000
    retention: PositiveDuration = 30 * 86400.0
    """How long the report log keeps each report."""
    clients: tuple[AgentClient, ...] = ()
    directory: Path = Path("agents.d")
    """Agents enrolled by `collector agents add`: ``SITE/NAME.token`` files, relative to the
    config file's directory; read with the config (and at every reload)."""
