"""The SMTP adapter: the only module that speaks SMTP (stdlib smtplib, in a worker thread).

It owns the connection for one delivery, checks the server's certificate (always: a mail
server reached over an untrusted path would otherwise read every outage report and the
password), logs in when a username is configured, and turns every failure into a MailError
of a small fixed kind.

It knows where in the dialogue a failure happened. Once the server has answered the end of
the data with 2xx the mail is delivered, whatever happens to the connection after. When the
whole mail was sent and that reply never came (the connection dropped, or `data_timeout`
passed), the server may have taken it: the error says the fate is unknown. Any failure
before the end of the data is a plain failure: the server has not taken the mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import socket
import ssl

from collector.config.mail import SmtpSecurity, SmtpSettings
from collector.mail.errors import MailError, MailErrorKind
from collector.mail.message import Mail


class _Dialogue:
    """What an smtplib client knows of where it is: whether the end of the mail's data has
    gone out (and the reply to it is awaited with the long timeout), and whether that reply
    came as an acceptance."""

    data_timeout: float
    data_sent = False
    answered = False
    accepted = False
    _in_data = False

    def data(self, msg: bytes | str) -> tuple[int, bytes]:
        self._in_data = True
        try:
            code, reply = super().data(msg)  # type: ignore[misc]
        finally:
            self._in_data = False
        self.answered = self.data_sent
        self.accepted = self.data_sent and 200 <= code < 300
        sock = getattr(self, "sock", None)
        if sock is not None:
            sock.settimeout(self.timeout)  # type: ignore[attr-defined]
        return code, reply

    @property
    def fate_unknown(self) -> bool:
        """The whole mail went out and no reply to it came."""
        return self.data_sent and not self.answered

    def send(self, s: bytes | str) -> None:
        super().send(s)  # type: ignore[misc]
        ending = s.endswith(b"\r\n.\r\n") if isinstance(s, bytes) else s.endswith("\r\n.\r\n")
        if self._in_data and ending:
            self.data_sent = True
            sock = getattr(self, "sock", None)
            if sock is not None:
                sock.settimeout(self.data_timeout)


class _Client(_Dialogue, smtplib.SMTP):
    pass


class _TlsClient(_Dialogue, smtplib.SMTP_SSL):
    pass


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._active: smtplib.SMTP | None = None

    @property
    def server(self) -> str:
        """host:port, for messages."""
        return f"{self.settings.host}:{self.settings.port}"

    async def send(self, mail: Mail) -> tuple[str, ...]:
        """Deliver `mail`; returns once the server accepted it, raises MailError otherwise.

        A server that takes the mail for some recipients but refuses others has delivered it
        (those accepted have it); the refusals are returned, one text per address."""
        return await asyncio.to_thread(self._send, mail)

    def abort(self) -> None:
        """Shut the connection of the delivery under way (in its worker thread), which then
        fails at once instead of waiting out its timeout: the mail stays pending."""
        sock = getattr(self._active, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _send(self, mail: Mail) -> tuple[str, ...]:
        settings = self.settings
        if settings.host is None:
            raise MailError(MailErrorKind.CONNECT, "no mail server is configured (mail.smtp.host)")
        if not mail.to:
            raise MailError(MailErrorKind.REJECTED, "the mail has no recipients", permanent=True)
        smtp: _Client | _TlsClient | None = None
        try:
            try:
                smtp = self._active = self._connect()
                self._secure_and_login(smtp)
                refused = smtp.send_message(mail.to_email_message(), mail.sender,
                                            list(mail.to))
            except Exception as err:
                if smtp is None or not smtp.accepted:
                    _close(smtp)
                    error = err if isinstance(err, MailError) else _translate(err, self.server)
                    if smtp is not None and smtp.fate_unknown:
                        raise MailError(error.kind, f"{error.detail}, after the whole mail "
                                        "was sent: the server may have taken it",
                                        unknown=True) from err
                    raise error from err
                refused = {}  # taken: what failed after that does not matter
            _quit(smtp)
        finally:
            self._active = None
        return tuple(f"{address}: {_reply(code, text)}"
                     for address, (code, text) in refused.items())

    def _connect(self) -> _Client | _TlsClient:
        settings = self.settings
        assert settings.host is not None
        smtp: _Client | _TlsClient
        if settings.security is SmtpSecurity.TLS:
            smtp = _TlsClient(settings.host, settings.port, timeout=settings.timeout,
                              context=self._tls_context())
        else:
            smtp = _Client(settings.host, settings.port, timeout=settings.timeout)
        smtp.data_timeout = settings.data_timeout
        return smtp

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


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye after a delivery; the mail is taken whatever the answer."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        _close(smtp)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


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
