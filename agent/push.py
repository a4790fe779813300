"""Sending reports to the collector: the push request, and what its answer means.

Every failure becomes a ``PushResult`` whose ``outcome`` tells the caller what to do with the
report: done with it, or keep it for later. ``agent.http_client`` carries the requests.
"""

from __future__ import annotations

import json
import socket
import time
from collections import namedtuple
from collections.abc import Callable
from enum import Enum

from agent import __version__
from agent.config import split_url
from agent.http_client import Connection, ConnectionClosed, ProtocolError, TlsError, tls_context
from agent.report import CONTENT_ENCODING, CONTENT_TYPE
from pantau_wire.agent_report import CHECK_PATH, PUSH_PATH, SENT_AT_HEADER, SITE_HEADER, Rejection


class Outcome(str, Enum):
    # str and Enum rather than StrEnum (3.11): the agent runs on the Pythons of old servers.
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

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        """Nothing more to do with the report: it arrived, or can never be accepted."""
        return self in (Outcome.STORED, Outcome.DUPLICATE, Outcome.CHECKED, Outcome.REJECTED)


PushResult = namedtuple("PushResult", "outcome detail reason next_seq", defaults=("", None))
"""``outcome`` an Outcome; ``detail`` for people (the collector's message, or the error met on
the way); ``reason`` the collector's rejection reason (see ``Rejection``), when it gave one;
``next_seq`` the number the collector asks the next report to have at least (its numbers fell
behind what it has stored: a lost state file and a clock set back)."""


_RETRY_ON_FRESH_CONNECTION = (ConnectionClosed, ConnectionResetError, BrokenPipeError)


class Pusher:
    def __init__(self, collector_url: str, name: str, site: str | None, token: str, *,
                 ca_file: str | None = None, timeout: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        scheme, host, port, base = split_url(collector_url)
        self.url = collector_url
        self._https = scheme == "https"
        self._host = host
        self._port = port
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
        self._timeout = timeout
        self._clock = clock
        self._conn: Connection | None = None

    def push(self, body: bytes, timeout: float | None = None) -> PushResult:
        """Store one report; ``timeout`` bounds connecting and each wait for the collector."""
        return self._post(self._push_path, body, timeout)

    def check(self, body: bytes, timeout: float | None = None) -> PushResult:
        """Let the collector authenticate and validate a report without storing it."""
        return self._post(self._check_path, body, timeout)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def _post(self, path: str, body: bytes, timeout: float | None) -> PushResult:
        timeout = self._timeout if timeout is None else timeout
        try:
            conn = self._connection()
        except TlsError as err:
            return PushResult(Outcome.TLS_ERROR, str(err))
        reused = conn.connected
        try:
            return self._exchange(conn, path, body, timeout)
        except _RETRY_ON_FRESH_CONNECTION as err:
            if not reused:
                return PushResult(Outcome.UNREACHABLE, _describe(err))
        except (OSError, ProtocolError, TlsError, ValueError) as err:
            return _failure(err)
        # The collector closed a kept-alive connection (a restart, an idle timeout): once more
        # on a new one. A report that did arrive the first time is answered as a duplicate.
        try:
            return self._exchange(conn, path, body, timeout)
        except (OSError, ProtocolError, TlsError, ValueError) as err:
            return _failure(err)

    def _exchange(self, conn: Connection, path: str, body: bytes, timeout: float
                  ) -> PushResult:
        headers = {**self._headers, SENT_AT_HEADER: f"{self._clock():.3f}"}
        status, payload = conn.post(path, headers, body, timeout)
        return _interpret(status, payload)

    def _connection(self) -> Connection:
        if self._conn is None:
            # One context for the agent's life: making one reads the CA file and costs 1 MiB.
            tls = tls_context(self._ca_file) if self._https else None
            self._conn = Connection(self._host, self._port, tls)
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
        hint = answer.get("next_seq")
        return PushResult(Outcome(answer["status"]), f"seq {answer.get('seq')}", "",
                          hint if type(hint) is int and hint >= 0 else None)
    if status >= 500:
        return PushResult(Outcome.SERVER_ERROR, f"HTTP {status}: {message}")
    if 400 <= status < 500 and reason in Rejection.ALL and reason not in Rejection.KEEP:
        return PushResult(Outcome.REJECTED, f"HTTP {status}: {message}", reason)
    if status == 404 and not reason:
        message = "no push endpoint at this URL (is it the Pantau collector?)"
    # Anything else (an unknown status included) keeps the report: losing data to a
    # misunderstanding is worse than sending it again.
    return PushResult(Outcome.REFUSED, f"HTTP {status}: {message}", reason)


def _failure(err: BaseException) -> PushResult:
    if isinstance(err, TlsError):
        return PushResult(Outcome.TLS_ERROR, str(err))
    if isinstance(err, ProtocolError):
        return PushResult(Outcome.UNREACHABLE, f"not an HTTP answer: {err}")
    return PushResult(Outcome.UNREACHABLE, _describe(err))


def _describe(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, socket.gaierror):
        return f"cannot resolve the collector's name: {err.strerror}"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
