"""Why a mail could not be sent, in a small fixed set of kinds (they label a metric)."""

from __future__ import annotations

from enum import StrEnum

from collector.errors import PantauError


class MailErrorKind(StrEnum):
    CONNECT = "connect"
    """The server could not be reached, or dropped the connection."""
    TLS = "tls"
    """TLS failed: an untrusted or mismatched certificate, or no STARTTLS offered."""
    AUTH = "auth"
    """The server refused the username and password, or offers no way to log in."""
    REJECTED = "rejected"
    """The server refused the sender, the recipients or the message."""
    TIMEOUT = "timeout"
    OTHER = "other"


class MailError(PantauError):
    """A failed delivery. `permanent` is set when the server refused the mail itself with a
    5xx reply: sending it again would be refused again. `unknown`: the whole mail was sent
    and no reply to it came (the connection dropped, or the reply was too late): the server
    may have taken it."""

    def __init__(self, kind: MailErrorKind, detail: str, *, permanent: bool = False,
                 unknown: bool = False) -> None:
        self.kind = kind
        self.detail = detail
        self.permanent = permanent
        self.unknown = unknown
        super().__init__(f"{kind.value}: {detail}")
