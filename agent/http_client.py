"""One HTTP/1.1 connection to the collector, plain or TLS: just what a push needs.

The only module of the agent that touches the network. http.client parses headers with the
email package, which would cost the agent more than a megabyte of memory for the three headers
it reads. This client sends a POST with a Content-Length and reads the answer's status line,
headers and body (sized by Content-Length, sent in chunks, or running to the close). An answer
it cannot read with certainty is an error, never a guess. ``ssl`` is imported only for an
https collector: importing it costs the agent 4 MiB.
"""

from __future__ import annotations

import socket

# For annotations only: typing would cost the agent 0.5 MiB.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl

MAX_LINE = 8192
MAX_HEADERS = 100
MAX_BODY = 1 << 20
"""The collector answers in a few hundred bytes; more is something else at that address."""
_HEX = frozenset(b"0123456789abcdefABCDEF")


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x as this client reads it."""


class ConnectionClosed(ConnectionError):
    """The server closed the connection before answering (e.g. an idle kept-alive one)."""


class TlsError(Exception):
    """No trusted TLS session: certificate not trusted, unreadable CA file, failed handshake."""


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verifying context: trusts only ``ca_file`` when given, else the system's CAs.

    The system's bundle costs the agent 2 MiB of memory; a CA file holds one certificate.
    """
    import ssl

    try:
        return ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError as err:
        raise TlsError(f"cannot use the CA file {ca_file}: {err.reason or err}") from None
    except OSError as err:
        raise TlsError(f"cannot read the CA file {ca_file}: {err.strerror or err}") from None


class Connection:
    """A kept-alive connection to ``host``:``port``, made on the first request.

    After an error the connection is closed; the next request opens a new one.
    """

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.port = port
        # getaddrinfo and ssl take a str host through the idna codec, whose import costs the
        # agent 0.3 MiB; an ASCII name (all the config admits) is the same name as bytes.
        self._host_bytes = host.encode("ascii")
        self._tls = tls
        default = 443 if tls is not None else 80
        shown = f"[{host}]" if ":" in host else host
        self._host_header = shown if port == default else f"{shown}:{port}"
        self._sock: socket.socket | None = None
        self._file = None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def post(self, path: str, headers: dict[str, str], body: bytes, timeout: float
             ) -> tuple[int, bytes]:
        """Send ``body`` to ``path``; the answer's status and body.

        ``timeout`` bounds connecting and each wait for the server. Raises OSError (network),
        ConnectionClosed, TlsError or ProtocolError, and closes the connection when it does.
        """
        lines = [f"POST {path} HTTP/1.1", f"Host: {self._host_header}"]
        for name, value in headers.items():
            if "\r" in value or "\n" in value:
                raise ValueError(f"header {name}: a value cannot span lines")
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}\r\n\r\n")
        request = "\r\n".join(lines).encode("latin-1") + body
        try:
            if self._sock is None:
                self._connect(timeout)
            else:
                self._sock.settimeout(timeout)
            self._sock.sendall(request)
            status, body, keep_alive = self._read_answer()
        except BaseException as err:
            self.close()
            if self._tls is not None:
                _raise_tls_error(err)
            raise
        if not keep_alive:
            self.close()
        return status, body

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _connect(self, timeout: float) -> None:
        sock = socket.create_connection((self._host_bytes, self.port), timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self._host_bytes)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._file = sock.makefile("rb")

    def _read_answer(self) -> tuple[int, bytes, bool]:
        while True:
            line = self._line()
            if not line:
                raise ConnectionClosed("the server closed the connection without answering")
            version, status = _status_line(line)
            headers = self._headers()
            # 1xx answers are interim (the collector sends none): the real one follows.
            if not 100 <= status < 200:
                break
        tokens = {t.strip() for t in headers.get("connection", "").lower().split(",")}
        keep_alive = "close" not in tokens and (version == "HTTP/1.1" or "keep-alive" in tokens)
        coding = headers.get("transfer-encoding")
        length = headers.get("content-length")
        if status in (204, 304):
            body = b""
        elif coding is not None:
            if coding.strip().lower() != "chunked":
                raise ProtocolError(f"unsupported Transfer-Encoding {coding!r}")
            body = self._chunked()
        elif length is not None:
            if not (length.isascii() and length.isdigit()) or len(length) > 18:
                raise ProtocolError(f"bad Content-Length {length!r}")
            if int(length) > MAX_BODY:
                raise ProtocolError(f"answer of {length} bytes, more than {MAX_BODY}")
            body = self._exactly(int(length))
        else:
            body = self._file.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise ProtocolError(f"answer longer than {MAX_BODY} bytes")
            keep_alive = False
        return status, body, keep_alive

    def _line(self) -> bytes:
        line = self._file.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise ProtocolError(f"a line of the answer is longer than {MAX_LINE} bytes")
        return line

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = self._line()
            if line in (b"\r\n", b"\n"):
                return headers
            if not line.endswith(b"\n"):
                raise ConnectionClosed("the connection closed in the middle of the headers")
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep or not name or name != name.strip():
                raise ProtocolError(f"malformed header line {line[:80]!r}")
            name = name.lower()
            value = value.strip()
            if name in headers and name in ("content-length", "transfer-encoding") \
                    and headers[name] != value:
                raise ProtocolError(f"conflicting {name} headers")
            headers[name] = value
        raise ProtocolError(f"more than {MAX_HEADERS} header lines")

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            line = self._line()
            text = line.split(b";", 1)[0].strip()
            if not text or len(text) > 15 or not _HEX.issuperset(text):
                raise ProtocolError(f"bad chunk size line {line[:80]!r}")
            chunk = int(text, 16)
            if chunk == 0:
                break
            size += chunk
            if size > MAX_BODY:
                raise ProtocolError(f"answer longer than {MAX_BODY} bytes")
            parts.append(self._exactly(chunk))
            if self._line() not in (b"\r\n", b"\n"):
                raise ProtocolError("a chunk does not end where its size says")
        self._headers()  # trailers, unused
        return b"".join(parts)

    def _exactly(self, size: int) -> bytes:
        data = self._file.read(size)
        if len(data) < size:
            raise ConnectionClosed(f"the connection closed {size - len(data)} bytes before the "
                                   "end of the answer")
        return data


def _status_line(line: bytes) -> tuple[str, int]:
    version, _, rest = line.rstrip(b"\r\n").partition(b" ")
    code = rest[:3]
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or not code.isdigit() \
            or rest[3:4] not in (b"", b" "):
        raise ProtocolError(f"not an HTTP/1.x status line: {line[:80]!r}")
    return version.decode(), int(code)


def _raise_tls_error(err: BaseException) -> None:
    """Re-raise ssl's errors as TlsError, except those that only say the connection ended."""
    import ssl

    if isinstance(err, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        raise ConnectionClosed("the server closed the TLS connection") from err
    if isinstance(err, ssl.SSLCertVerificationError):
        raise TlsError(f"certificate not trusted: {err.verify_message}") from err
    if isinstance(err, ssl.SSLError):
        raise TlsError(f"TLS failed: {err.reason or err}") from err
