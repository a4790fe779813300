"""Config models of the satellites: on the core, which satellites may send observations
(`satellites`); on a satellite, which core it sends them to (`core`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Strict, field_validator

from collector.config.durations import PositiveDuration, rule_error
from collector.config.names import Name
from collector.config.secrets import SecretValue


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SatelliteClient(_Model):
    """A satellite collector allowed to send observations: its name and its own token."""

    name: Name
    token: SecretValue


class SatellitesSettings(_Model):
    clients: tuple[SatelliteClient, ...] = ()


class CoreLink(_Model):
    """This collector is a satellite: it probes its sites and sends what it finds to the core,
    which evaluates it (states, outages, notifications); it tells nobody itself."""

    url: Annotated[str, Strict()]
    """The core's root, http(s)://host:port."""
    name: Name
    """This satellite's name, as the core's `satellites.clients` knows it."""
    token: SecretValue
    ca_file: Path | None = None
    """The CA that signed the core's certificate (https)."""
    timeout: PositiveDuration = 10.0

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise rule_error("must be an http:// or https:// URL")
        return value.rstrip("/")
