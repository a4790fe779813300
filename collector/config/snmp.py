"""Config models for SNMP: the `snmp` and `auths` sections and the devices of a site."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from collector.config.durations import PositiveDuration, rule_error
from collector.config.secrets import SecretValue
from collector.config.text import Regex


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)




class SnmpVersion(StrEnum):
    V2C = "2c"
    V3 = "3"


class AuthProtocol(StrEnum):
    """SHA family only: MD5 is broken and devices worth watching support SHA."""

    SHA = "sha"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class PrivProtocol(StrEnum):
    AES = "aes"
    AES192 = "aes192"
    AES256 = "aes256"


class SnmpAuth(_Model):
    """Credentials a device is polled with: a v2c community, or a v3 user (authNoPriv or
    authPriv, by whether a privacy key is given)."""

    version: SnmpVersion
    community: SecretValue | None = None
    username: Annotated[str, Strict(), Field(min_length=1, max_length=32)] | None = None
    auth_protocol: AuthProtocol = AuthProtocol.SHA
    auth_key: SecretValue | None = None
    priv_protocol: PrivProtocol = PrivProtocol.AES
    priv_key: SecretValue | None = None

    @model_validator(mode="before")
    @classmethod
    def _version_as_text(cls, data: Any) -> Any:
        # YAML reads `version: 3` as an integer.
        if isinstance(data, dict) and isinstance(data.get("version"), int):
            return {**data, "version": str(data["version"])}
        return data

    @model_validator(mode="after")
    def _keys_for_version(self) -> SnmpAuth:
        if self.version is SnmpVersion.V2C:
            if self.community is None:
                raise rule_error("version 2c needs a community")
            if self.username or self.auth_key or self.priv_key:
                raise rule_error("version 2c takes only a community (username and keys are v3)")
            return self
        if self.community is not None:
            raise rule_error("version 3 takes a username and keys, not a community")
        if self.username is None or self.auth_key is None:
            raise rule_error("version 3 needs a username and an auth_key")
        for key in (self.auth_key, self.priv_key):
            # RFC 3414 passphrases shorter than 8 characters are refused by agents.
            if key is not None and len(key.reveal()) < 8:
                raise rule_error("auth_key and priv_key must be at least 8 characters")
        return self


class InterfaceFilter(_Model):
    """Which interfaces of a device are exported, by regular expressions matched against
    ifName or ifAlias: with `include`, only matching ones; `exclude` then drops some."""

    include: tuple[Regex, ...] = ()
    exclude: tuple[Regex, ...] = ()

    def keeps(self, names: tuple[str, ...]) -> bool:
        names = tuple(n for n in names if n)
        if self.include and not any(re.search(p, n) for p in self.include for n in names):
            return False
        return not any(re.search(p, n) for p in self.exclude for n in names)


class SnmpSettings(_Model):
    interval: PositiveDuration = 60.0
    timeout: PositiveDuration = 2.0
    retries: Annotated[int, Strict(), Field(ge=0, le=5)] = 1
    # One engine's UDP socket starts dropping replies past a few hundred requests in flight.
    max_in_flight: Annotated[int, Strict(), Field(ge=1, le=256)] = 64
    max_repetitions: Annotated[int, Strict(), Field(ge=1, le=100)] = 25
    label_refresh: PositiveDuration = 900.0
    profile_dirs: tuple[Path, ...] = ()
