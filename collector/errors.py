"""The collector's exception tree: callers catch `PantauError`, or one of its kinds."""

from __future__ import annotations


class PantauError(Exception):
    """Base of every error the collector raises on purpose."""


class ConfigError(PantauError):
    """A configuration that cannot be used; `errors` holds one finished line per problem.

    Each line names the file, line number, key path and the rule broken, so `str()` of the
    error is what an operator needs to see, with nothing left to format.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


class IcmpUnavailableError(PantauError):
    """The host refuses the ICMP sockets the collector needs; the message says what to change."""


class TlsSetupError(PantauError):
    """The configured TLS certificate or key cannot be used; the message names the file."""


class DataError(PantauError):
    """The collector cannot read or write its data directory."""
