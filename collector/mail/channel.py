"""Mail as a channel of the one outbox (`collector.notify.outbox`): a message's payload is the
rendered Mail, its key the Message-ID, its recipient the addresses it goes to; the SMTP sender
delivers it.

What the server answers, as the outbox needs it: a server that cannot be reached, TLS or a
login that fails, or a timeout, is the channel down (all mails wait behind one backoff); a 4xx
refusal of one mail delays that mail only; a 5xx refusal fails it for good. The failures are
also counted by the mail's own kinds, for `pantau_mail_send_failures_total`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from collector.mail.errors import MailError, MailErrorKind
from collector.mail.message import Mail
from collector.notify.outbox import DeliveryError
from collector.notify.store import Message

log = logging.getLogger(__name__)

NAME = "mail"

_KINDS = {MailErrorKind.CONNECT: "connect", MailErrorKind.TLS: "tls",
          MailErrorKind.AUTH: "auth", MailErrorKind.REJECTED: "refused",
          MailErrorKind.TIMEOUT: "timeout", MailErrorKind.OTHER: "other"}


class Sender(Protocol):
    @property
    def server(self) -> str:
        """Where mail goes (host:port), for log lines."""
        ...

    async def send(self, mail: Mail) -> Sequence[str]:
        """Deliver `mail`; returns the refusals of single recipients; raises MailError."""
        ...

    def abort(self) -> None:
        """Cut short the delivery under way, if any (the collector stops)."""
        ...


def mail_message(mail: Mail) -> Message:
    """What the outbox stores for ``mail``: once per Message-ID and addresses."""
    return Message(NAME, ", ".join(mail.to), mail.message_id, mail.to_json(), mail.subject)


class MailChannel:
    name = NAME

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self.failures = dict.fromkeys(MailErrorKind, 0)
        """Failed attempts by the mail's own kind of error, retries included."""

    @property
    def destination(self) -> str:
        return self._sender.server

    def abort(self) -> None:
        self._sender.abort()

    async def send(self, message: Message) -> str | None:
        mail = Mail.from_json(message.payload)
        try:
            refused = await self._sender.send(mail)
        except MailError as err:
            self.failures[err.kind] += 1
            raise DeliveryError(_KINDS[err.kind], err.detail, permanent=err.permanent,
                                channel_down=err.kind is not MailErrorKind.REJECTED,
                                unknown=err.unknown) from None
        if refused:
            log.warning("mail sent, but some recipients were refused: %r: %s", mail.subject,
                        "; ".join(refused))
        return mail.message_id
