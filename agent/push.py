"""Sending reports to the collector: HTTP(S) with a bearer token, one kept-alive connection.

The only module that talks to the network. Every failure becomes a ``PushResult`` whose
``outcome`` tells the caller what to do with the report: done with it, or keep it for later.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from collections import namedtuple
from collections.abc import Callable
from enum import StrEnum
from urllib.parse import urlsplit

from agent import __version__
from agent.protocol import CHECK_PATH, PUSH_PATH, SENT_AT_HEADER, SITE_HEADER, Rejection
from agent.report import CONTENT_ENCODING, CONTENT_TYPE


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    CHECKED = "checked"
    REJECTED = "rejected"
    """The collector refuses this report for what it holds; sending it again cannot help."""
    REFUSED = "refused"
    """Refused for who sent it (token, agent name, site): keep it until the config is fixed."""
    UNREACHABLE = "unreachable"
    TLS_ERROR = "tls_error"
    SERVER_ERROR = "server_error"

    @property
    def finished(self) -> bool:
        """Nothing more to do with the report: it arrived, or can never be accepted."""
        return self in (Outcome.STORED, Outcome.DUPLICATE, Outcome.CHECKED, Outcome.REJECTED)


PushResult = namedtuple("PushResult", "outcome detail reason", defaults=("",))
"""``outcome`` an Outcome; ``detail`` for people (the collector's message, or the error met on
the way); ``reason`` the collector's rejection reason (see ``Rejection``), when it gave one."""


_RETRY_ON_FRESH_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError,
                              BrokenPipeError, http.client.BadStatusLine)


class Pusher:
    def __init__(self, collector_url: str, name: str, site: str | None, token: str, *,
                 ca_file: str | None = None, timeout: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        url = urlsplit(collector_url)
        self.url = collector_url
        self._https = url.scheme == "https"
        self._host = url.hostname or ""
        self._port = url.port or (443 if self._https else 80)
        base = url.path.rstrip("/")
        self._push_path = base + PUSH_PATH.format(agent=name)
        self._check_path = base + CHECK_PATH.format(agent=name)
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": CONTENT_TYPE,
            "Content-Encoding": CONTENT_ENCODING,
            "User-Agent": f"pantau-agent/{__version__}",
        }
        if site:
            self._headers[SITE_HEADER] = site
        self._ca_file = ca_file
        self._context: ssl.SSLContext | None = None
        self._timeout = timeout
        self._clock = clock
        self._conn: http.client.HTTPConnection | None = None

    def push(self, body: bytes, timeout: float | None = None) -> PushResult:
        """Store one report; ``timeout`` bounds connecting and each wait for the collector."""
        return self._post(self._push_path, body, timeout)

    def check(self, body: bytes, timeout: float | None = None) -> PushResult:
        """Let the collector authenticate and validate a report without storing it."""
        return self._post(self._check_path, body, timeout)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _post(self, path: str, body: bytes, timeout: float | None) -> PushResult:
        timeout = self._timeout if timeout is None else timeout
        reused = self._conn is not None
        try:
            return self._exchange(path, body, timeout)
        except _RETRY_ON_FRESH_CONNECTION as err:
            self.close()
            if not reused:
                return PushResult(Outcome.UNREACHABLE, _describe(err))
        except (OSError, http.client.HTTPException, ValueError) as err:
            self.close()
            return _failure(err)
        # The collector closed a kept-alive connection (a restart, an idle timeout): once more
        # on a new one. A report that did arrive the first time is answered as a duplicate.
        try:
            return self._exchange(path, body, timeout)
        except (OSError, http.client.HTTPException, ValueError) as err:
            self.close()
            return _failure(err)

    def _exchange(self, path: str, body: bytes, timeout: float) -> PushResult:
        conn = self._connection(timeout)
        headers = {**self._headers, SENT_AT_HEADER: f"{self._clock():.3f}"}
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.will_close:
            self.close()
        return _interpret(response.status, payload)

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._https:
                if self._context is None:
                    self._context = ssl.create_default_context(cafile=self._ca_file)
                self._conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=self._context)
            else:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        self._conn.timeout = timeout
        if self._conn.sock is not None:
            self._conn.sock.settimeout(timeout)
        return self._conn


def _interpret(status: int, payload: bytes) -> PushResult:
    try:
        answer = json.loads(payload)
        if not isinstance(answer, dict):
            answer = {}
    except ValueError:
        answer = {}
    reason = str(answer.get("error", ""))
    message = str(answer.get("message", "")) or payload[:200].decode(errors="replace").strip()
    if status == 200 and answer.get("status") in ("stored", "duplicate", "checked"):
        return PushResult(Outcome(answer["status"]), f"seq {answer.get('seq')}")
    if status >= 500:
        return PushResult(Outcome.SERVER_ERROR, f"HTTP {status}: {message}")
    if 400 <= status < 500 and reason in Rejection.ALL and reason not in Rejection.CONFIGURATION:
        return PushResult(Outcome.REJECTED, f"HTTP {status}: {message}", reason)
    if status == 404 and not reason:
        message = "no push endpoint at this URL (is it the Pantau collector?)"
    # Anything else (an unknown status included) keeps the report: losing data to a
    # misunderstanding is worse than sending it again.
    return PushResult(Outcome.REFUSED, f"HTTP {status}: {message}", reason)


def _failure(err: BaseException) -> PushResult:
    if isinstance(err, ssl.SSLCertVerificationError):
        return PushResult(Outcome.TLS_ERROR, f"certificate not trusted: {err.verify_message}")
    if isinstance(err, ssl.SSLError):
        return PushResult(Outcome.TLS_ERROR, f"TLS failed: {err.reason or err}")
    if isinstance(err, FileNotFoundError | PermissionError) and err.filename:
        return PushResult(Outcome.TLS_ERROR, f"cannot read the CA file {err.filename}: "
                                             f"{err.strerror}")
    return PushResult(Outcome.UNREACHABLE, _describe(err))


def _describe(err: BaseException) -> str:
    if isinstance(err, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(err, socket.gaierror):
        return f"cannot resolve the collector's name: {err.strerror}"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
