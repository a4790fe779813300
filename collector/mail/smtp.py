"""The SMTP adapter: the only module that speaks SMTP (stdlib smtplib, in a worker thread).

It owns the connection for one delivery, checks the server's certificate (always: a mail
server reached over an untrusted path would otherwise read every outage report and the
password), logs in when a username is configured, and turns every failure into a MailError
of a small fixed kind.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl

from collector.config.mail import SmtpSecurity, SmtpSettings
from collector.mail.errors import MailError, MailErrorKind
from collector.mail.message import Mail


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @property
    def server(self) -> str:
        """host:port, for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    async def send(self, mail: Mail) -> tuple[str, ...]:
        """Deliver `mail`; returns once the server accepted it, raises MailError otherwise.

        A server that takes the mail for some recipients but refuses others has delivered it
        (those accepted have it); the refusals are returned, one text per address."""
        return await asyncio.to_thread(self._send, mail)

    def _send(self, mail: Mail) -> tuple[str, ...]:
        settings = self.settings
        if settings.host is None:
            raise MailError(MailErrorKind.CONNECT, "no mail server is configured (mail.smtp.host)")
        if not mail.to:
            raise MailError(MailErrorKind.REJECTED, "the mail has no recipients", permanent=True)
        try:
            with self._connect() as smtp:
                self._secure_and_login(smtp)
                refused = smtp.send_message(mail.to_email_message(), mail.sender,
                                            list(mail.to))
        except MailError:
            raise
        except Exception as err:
            raise _translate(err, self.server) from err
        return tuple(f"{address}: {_reply(code, text)}"
                     for address, (code, text) in refused.items())

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        assert settings.host is not None
        if settings.security is SmtpSecurity.TLS:
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=self._tls_context())
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        settings = self.settings
        smtp.ehlo()
        if settings.security is SmtpSecurity.STARTTLS:
            if not smtp.has_extn("starttls"):
                raise MailError(MailErrorKind.TLS, f"{self.server} does not offer STARTTLS")
            try:
                smtp.starttls(context=self._tls_context())
            except smtplib.SMTPResponseException as err:
                raise MailError(MailErrorKind.TLS, f"{self.server} refused STARTTLS: "
                                f"{_reply(err.smtp_code, err.smtp_error)}") from None
            smtp.ehlo()
        if settings.username is not None and settings.password is not None:
            if not smtp.has_extn("auth"):
                raise MailError(MailErrorKind.AUTH, f"{self.server} offers no AUTH (login) "
                                "on this connection")
            try:
                smtp.login(settings.username, settings.password.reveal())
            except (smtplib.SMTPAuthenticationError, smtplib.SMTPServerDisconnected):
                raise
            except smtplib.SMTPException as err:
                # smtplib's words when no offered mechanism is one it can do.
                raise MailError(MailErrorKind.AUTH, f"{self.server}: {err}") from None

    def _tls_context(self) -> ssl.SSLContext:
        ca_file = self.settings.ca_file
        try:
            context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        except (OSError, ssl.SSLError) as err:
            reason = getattr(err, "strerror", None) or getattr(err, "reason", None) or err
            raise MailError(MailErrorKind.TLS, f"cannot use ca_file {ca_file}: {reason}") from None
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


def _translate(err: Exception, server: str) -> MailError:
    """The MailError that names what went wrong, in the server's words where it gave any."""
    kind = MailErrorKind
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return MailError(kind.AUTH, f"login refused: {_reply(err.smtp_code, err.smtp_error)}")
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return MailError(kind.AUTH, f"{server}: {err}")
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in err.recipients.values()]
        refused = "; ".join(f"{address}: {_reply(code, text)}"
                            for address, (code, text) in err.recipients.items())
        return MailError(kind.REJECTED, f"recipients refused: {refused}",
                         permanent=all(code >= 500 for code in codes))
    if isinstance(err, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        what = "sender refused" if isinstance(err, smtplib.SMTPSenderRefused) else "refused"
        return MailError(kind.REJECTED, f"{what}: {_reply(err.smtp_code, err.smtp_error)}",
                         permanent=err.smtp_code >= 500)
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return MailError(kind.CONNECT, f"{server} closed the connection ({err or 'no reason'})")
    if isinstance(err, smtplib.SMTPConnectError):
        return MailError(kind.CONNECT, f"{server} refused: {_reply(err.smtp_code, err.smtp_error)}")
    if isinstance(err, ssl.SSLCertVerificationError):
        return MailError(kind.TLS, f"{server}: certificate not trusted: {err.verify_message}")
    if isinstance(err, ssl.SSLError):
        return MailError(kind.TLS, f"{server}: TLS failed: {err.reason or err}")
    # TimeoutError is an OSError: it has to be told apart first.
    if isinstance(err, TimeoutError):
        return MailError(kind.TIMEOUT, f"{server} did not answer in time")
    if isinstance(err, socket.gaierror):
        return MailError(kind.CONNECT, f"cannot resolve {server.rpartition(':')[0]}: "
                         f"{err.strerror}")
    if isinstance(err, OSError):
        return MailError(kind.CONNECT, f"cannot connect to {server}: {err.strerror or err}")
    if isinstance(err, smtplib.SMTPResponseException):
        return MailError(kind.OTHER, _reply(err.smtp_code, err.smtp_error))
    return MailError(kind.OTHER, f"{type(err).__name__}: {err}")


def _reply(code: int, text: bytes | str) -> str:
    """An SMTP reply as the server wrote it, quoted: it is text from another machine."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())!r}"
