"""A real SMTP server on loopback (aiosmtpd, in its own thread) that requires TLS and a login,
keeps what it receives, and can be stopped, restarted on the same port, or told to refuse."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.collector_process import free_port
from tests.support.tls import TestPki
from tests.support.waiting import wait_until

USERNAME = "pantau"
PASSWORD = "kata-sandi-uji"


def mail_section(server: SmtpServer, ca_file: Path) -> dict[str, Any]:
    """The collector's `mail` section sending through ``server`` (STARTTLS, AUTH; its
    certificate from the CA in ``ca_file``), quickly retried, to a central group."""
    return {"enabled": True, "from": "pantau@kominfo.test", "language": "en",
            "smtp": {"host": "127.0.0.1", "port": server.port, "security": "starttls",
                     "username": USERNAME, "password": PASSWORD, "ca_file": str(ca_file),
                     "timeout": "2s"},
            "retry": {"first": "300ms", "max": "1s"},
            "groups": {"central": ["noc@kominfo.test"]}}


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None
    """The user that logged in for this mail."""
    encrypted: bool
    """Whether the mail came over TLS (STARTTLS or implicit)."""


class SmtpServer:
    """``implicit_tls``: TLS from the first byte (like port 465); otherwise plain with a
    required STARTTLS (like 587). Either way AUTH (PLAIN, LOGIN) is required."""

    def __init__(self, pki: TestPki, *, implicit_tls: bool = False, offer_tls: bool = True,
                 host: str = "127.0.0.1") -> None:
        """``offer_tls=False`` makes a plain server that offers neither STARTTLS nor AUTH."""
        self.host = host
        self.port = free_port()
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(pki.cert_file, pki.key_file)
        self._implicit = implicit_tls
        self._offer_tls = offer_tls
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._data_commands = 0
        self._controller: Controller | None = None
        self.reject: str | None = None
        """An SMTP reply (e.g. '554 5.7.1 ...') given to DATA instead of taking the mail."""
        self.drop: str | None = None
        """Take (and keep) a mail, then drop the connection with no reply to its data, so
        that the client cannot know it was taken: "first" for the first sending of each
        Message-ID, "always" for every one."""
        self._seen: set[str] = set()
        self.reply_delay = 0.0
        """Seconds to wait before the reply to a mail's data (the mail is kept either way)."""

    def start(self) -> SmtpServer:
        assert self._controller is None, "already running"
        options: dict[str, object] = {"server_hostname": "smtp.test", "ready_timeout": 10}
        if self._implicit:
            # TLS is the transport here, so AUTH needs no STARTTLS first.
            options |= {"ssl_context": self._tls, "auth_required": True,
                        "auth_require_tls": False, "authenticator": self._authenticate}
        elif self._offer_tls:
            options |= {"tls_context": self._tls, "require_starttls": True,
                        "auth_required": True, "authenticator": self._authenticate}
        # A new controller each time: a stopped one has closed its event loop.
        self._controller = _Controller(_Handler(self), hostname=self.host, port=self.port,
                                       **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    @property
    def data_commands(self) -> int:
        """DATA commands seen, refused ones included: how often a mail was tried."""
        with self._lock:
            return self._data_commands

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        wait_until(lambda: len(self.received) >= count, timeout=timeout,
                   what=f"{count} mails at the SMTP server (got {len(self.received)})")
        return self.received

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if (isinstance(auth_data, LoginPassword) and auth_data.login == USERNAME.encode()
                and auth_data.password == PASSWORD.encode()):
            return AuthResult(success=True, auth_data=USERNAME)
        return AuthResult(success=False, handled=False)

    def _take_drop(self, envelope: Any) -> bool:
        content = envelope.original_content or envelope.content
        message_id = str(email.message_from_bytes(content, policy=email.policy.default)
                         ["Message-ID"])
        with self._lock:
            first = message_id not in self._seen
            self._seen.add(message_id)
            return self.drop == "always" or (self.drop == "first" and first)

    def _record(self, envelope: Any, session: Any) -> str:
        with self._lock:
            self._data_commands += 1
            if self.reject is not None:
                return self.reject
            content = envelope.original_content or envelope.content
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self._received.append(Received(
                envelope.mail_from, tuple(envelope.rcpt_tos), message, session.auth_data,
                self._implicit or session.ssl is not None))
        return "250 2.0.0 Ok: queued"


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self._server._record(envelope, session)
        if self._server._take_drop(envelope):
            # Shut the socket itself first: no byte of the reply may reach the client.
            sock = server.transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            server.transport.abort()
            return reply
        if self._server.reply_delay:
            await asyncio.sleep(self._server.reply_delay)
        return reply


class _Controller(Controller):
    def factory(self) -> Any:
        # Over implicit TLS aiosmtpd cannot see that the transport is encrypted, and warns
        # that AUTH is allowed without STARTTLS; here that is exactly what is meant.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()
