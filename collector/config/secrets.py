"""Secrets in the config: SNMP communities and keys, agent tokens, SMTP passwords.

A secret is written inline, or as ``{env: VARIABLE}`` or ``{file: /path}`` so that the config
file itself can be shared. Once loaded it prints as ``<secret>`` everywhere: in reprs, in
model dumps, in error messages (which never echo the value that was written).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

from collector.config.durations import rule_error

MASK = "<secret>"
MAX_FILE = 64 * 1024
"""A secret file longer than this is a mistake (a wrong path, a key file of another kind)."""


class Secret:
    """A value that is only ever shown as ``<secret>``; ``reveal()`` gives it to the code
    that needs it (the SNMP engine, the token check, the SMTP login)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def load_secret(written: object) -> Secret:
    if isinstance(written, Secret):
        return written
    if isinstance(written, str):
        if not written:
            raise rule_error("must not be empty")
        return Secret(written)
    if isinstance(written, dict) and list(written) == ["env"] and isinstance(written["env"], str):
        value = os.environ.get(written["env"])
        if value is None:
            raise rule_error(f"environment variable {written['env']} is not set")
        if not value:
            raise rule_error(f"environment variable {written['env']} is empty")
        return Secret(value)
    if isinstance(written, dict) and list(written) == ["file"] and isinstance(written["file"], str):
        path = Path(written["file"])
        value = read_secret_file(path)
        if not value:
            raise rule_error(f"{path} is empty")
        return Secret(value)
    raise rule_error("expected a secret: a string, {env: VARIABLE} or {file: /path}")


def read_secret_file(path: Path) -> str:
    """The file's text, stripped. Only a regular file of at most MAX_FILE bytes: a pipe with
    no writer would block the start, a device such as /dev/urandom would never end."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as err:
        raise rule_error(f"cannot read {path}: {err.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise rule_error(f"{path} is not a regular file")
        data = os.read(fd, MAX_FILE + 1)
    except OSError as err:
        raise rule_error(f"cannot read {path}: {err.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE:
        raise rule_error(f"{path} is longer than {MAX_FILE} bytes: not a secret")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise rule_error(f"{path} is not UTF-8 text") from None


SecretValue = Annotated[Secret, PlainValidator(load_secret), PlainSerializer(lambda _: MASK)]
"""A config field holding a secret."""
