"""The agent's HTTP client against aiohttp (the collector's server) over HTTP and HTTPS, and
against a loopback server that answers byte for byte what a test tells it to."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from collections.abc import Callable

import pytest
from aiohttp import web

from agent.http_client import Connection, ConnectionClosed, ProtocolError, TlsError, tls_context
from agent.push import Outcome, Pusher
from tests.support.collector_process import free_port
from tests.support.tls import make_pki

pytestmark = pytest.mark.integration

Handler = Callable[[web.Request], "asyncio.Future[web.StreamResponse]"]
# aiohttp undoes the Content-Encoding the agent declares: the body must be gzip.
REPORT = gzip.compress(b'{"version": 1}')


class AiohttpServer:
    """aiohttp on 127.0.0.1 in a thread of its own, answering every POST with ``handler``;
    ``peers`` holds the client port of each request, to tell connections apart, and
    ``paths`` its path."""

    def __init__(self, handler: Handler, ssl_context=None) -> None:
        self.peers: list[int] = []
        self.paths: list[str] = []
        self._handler = handler
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0

    async def _record(self, request: web.Request) -> web.StreamResponse:
        self.peers.append(request.transport.get_extra_info("peername")[1])
        self.paths.append(request.path)
        return await self._handler(request)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._record)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> AiohttpServer:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "aiohttp did not start"
        return self

    def __exit__(self, *_exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


async def collector_like(request: web.Request) -> web.StreamResponse:
    """Answers as the collector would, chosen by the agent name in the path."""
    body = await request.read()
    name = request.path.split("/")[-2]
    if name == "echo":
        return web.json_response({"status": "stored", "seq": 1, "path": request.path,
                                  "length": len(body), "headers": dict(request.headers)})
    if name == "chunked":
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"status": "stor')
        await response.write(b'ed", "seq": 7}')
        await response.write_eof()
        return response
    if name == "closing":
        response = web.json_response({"status": "duplicate", "seq": 8})
        response.force_close()
        return response
    answers = {
        "stored": (200, {"status": "stored", "seq": 9}),
        "behind": (200, {"status": "stored", "seq": 3, "next_seq": 1_800_000_000_001}),
        "oddhint": (200, {"status": "duplicate", "seq": 3, "next_seq": "soon"}),
        "token": (401, {"error": "bad_token", "message": "wrong token"}),
        "large": (413, {"error": "too_large", "message": "64 KiB at most"}),
    }
    if name in answers:
        status, answer = answers[name]
        return web.json_response(answer, status=status)
    if name == "broken":
        return web.Response(status=500, text="Internal Server Error")
    return web.Response(status=404, text="<html>not here</html>", content_type="text/html")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(params=["http", "https"])
def server(request, pki):
    context = None
    if request.param == "https":
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(pki.cert_file, pki.key_file)
    with AiohttpServer(collector_like, context) as running:
        running.scheme = request.param
        yield running


def pusher(server: AiohttpServer, name: str, pki, base: str = "") -> Pusher:
    return Pusher(f"{server.scheme}://127.0.0.1:{server.port}{base}", name, "core", "s3cret",
                  ca_file=str(pki.ca_file) if server.scheme == "https" else None, timeout=5)


def test_the_number_to_go_on_from_is_taken_only_when_it_is_one(server, pki):
    assert pusher(server, "behind", pki).push(REPORT).next_seq == 1_800_000_000_001
    assert pusher(server, "oddhint", pki).push(REPORT).next_seq is None


@pytest.mark.parametrize(("name", "outcome", "detail", "reason"), [
    ("stored", Outcome.STORED, "seq 9", ""),
    ("chunked", Outcome.STORED, "seq 7", ""),
    ("closing", Outcome.DUPLICATE, "seq 8", ""),
    ("token", Outcome.REFUSED, "HTTP 401: wrong token", "bad_token"),
    ("large", Outcome.REJECTED, "HTTP 413: 64 KiB at most", "too_large"),
    ("broken", Outcome.SERVER_ERROR, "HTTP 500: Internal Server Error", ""),
    ("nobody", Outcome.REFUSED,
     "HTTP 404: no push endpoint at this URL (is it the Pantau collector?)", ""),
])
def test_each_answer_of_aiohttp_means_what_it_says(server, pki, name, outcome, detail, reason):
    sender = pusher(server, name, pki)
    try:
        for _ in range(2):  # the second on the same connection, or a new one after a close
            assert tuple(sender.push(REPORT)) == (outcome, detail, reason, None)
    finally:
        sender.close()


def test_one_connection_carries_every_push_until_the_server_closes_it(server, pki):
    kept, closing = pusher(server, "stored", pki), pusher(server, "closing", pki)
    try:
        for _ in range(3):
            kept.push(REPORT)
        assert len(set(server.peers)) == 1
        for _ in range(2):
            closing.push(REPORT)
        assert len(set(server.peers[3:])) == 2
    finally:
        kept.close()
        closing.close()


def test_the_request_has_its_headers_and_exact_length(server, pki):
    tls = tls_context(str(pki.ca_file)) if server.scheme == "https" else None
    connection = Connection("127.0.0.1", server.port, tls)
    try:
        status, body = connection.post("/x/echo/push", {"Authorization": "Bearer s3cret"},
                                       b"x" * 70_000, 5)
    finally:
        connection.close()
    answer = json.loads(body)
    assert (status, answer["path"], answer["length"]) == (200, "/x/echo/push", 70_000)
    assert answer["headers"]["Host"] == f"127.0.0.1:{server.port}"
    assert answer["headers"]["Authorization"] == "Bearer s3cret"


def test_a_path_in_the_collector_url_prefixes_the_push_path(server, pki):
    sender = pusher(server, "stored", pki, base="/pantau/")
    try:
        assert sender.push(REPORT).outcome is Outcome.STORED
    finally:
        sender.close()
    assert server.paths == ["/pantau/api/v1/agents/stored/push"]


def test_a_header_value_cannot_smuggle_a_line():
    with pytest.raises(ValueError, match="cannot span lines"):
        Connection("127.0.0.1", 9).post("/", {"Pantau-Site": "a\r\nX-Evil: 1"}, b"", 1)


def test_a_certificate_from_another_ca_is_a_tls_error(pki):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    with AiohttpServer(collector_like, context) as running:
        connection = Connection("127.0.0.1", running.port, tls_context(str(pki.other_ca_file)))
        with pytest.raises(TlsError, match="certificate not trusted: unable to get local issuer"):
            connection.post("/", {}, b"", 5)
        assert not connection.connected
        result = Pusher(f"https://127.0.0.1:{running.port}", "stored", None, "t",
                        ca_file=str(pki.other_ca_file)).push(REPORT)
    assert result.outcome is Outcome.TLS_ERROR
    assert result.detail.startswith("certificate not trusted")


def test_a_missing_ca_file_is_a_tls_error_naming_it(tmp_path):
    missing = str(tmp_path / "ca.pem")
    result = Pusher("https://127.0.0.1:9", "web", None, "t", ca_file=missing).push(b"report")
    assert tuple(result) == (
        Outcome.TLS_ERROR, f"cannot read the CA file {missing}: No such file or directory", "",
        None)


def test_a_ca_file_without_a_certificate_is_a_tls_error(tmp_path):
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate\n")
    result = Pusher("https://127.0.0.1:9", "web", None, "t", ca_file=str(garbage)).push(b"r")
    assert result.outcome is Outcome.TLS_ERROR
    assert result.detail.startswith(f"cannot use the CA file {garbage}: ")


def test_nothing_listening_is_unreachable():
    result = Pusher(f"http://127.0.0.1:{free_port()}", "web", None, "t").push(b"report")
    assert tuple(result) == (Outcome.UNREACHABLE, "Connection refused", "", None)


class ScriptedServer:
    """Loopback TCP: for each connection in turn, reads one request, then sends its script's
    bytes and closes the connection, or keeps it open (``None`` in place of bytes: sends
    nothing, and lets the client wait)."""

    def __init__(self, *scripts: bytes | None, keep_open: bool = False) -> None:
        self._scripts = list(scripts)
        self._keep_open = keep_open
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        for script in self._scripts:
            conn, _ = self._listener.accept()
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(body) < length:
                body += conn.recv(65536)
            if script is not None:
                conn.sendall(script)
            if self._keep_open or script is None:
                self._open.append(conn)
            else:
                conn.close()

    def close(self) -> None:
        for conn in self._open:
            conn.close()
        self._listener.close()


def post_to(server: ScriptedServer, timeout: float = 5) -> tuple[tuple[int, bytes], bool]:
    connection = Connection("127.0.0.1", server.port)
    try:
        return connection.post("/", {}, b"{}", timeout), connection.connected
    finally:
        connection.close()
        server.close()


@pytest.mark.parametrize(("script", "answer", "kept"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", (200, b"hello"), True),
    (b"HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 2\r\n\r\nok", (200, b"ok"),
     False),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", (200, b"ok"), False),
    (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", (200, b"ok"),
     True),
    (b"HTTP/1.1 200 OK\r\n\r\nto the end", (200, b"to the end"), False),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
     (201, b""), True),
    (b"HTTP/1.1 204 No Content\r\n\r\n", (204, b""), True),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n1\r\n!\r\n"
     b"0\r\nTrailer: 1\r\n\r\n", (200, b"hello!"), True),
])
def test_answers_framed_every_way_http_allows(script, answer, kept):
    # Where the client may keep the connection, the server keeps it too: the answer must be
    # read to its end as framed, not to a close.
    assert post_to(ScriptedServer(script, keep_open=kept)) == (answer, kept)


@pytest.mark.parametrize(("script", "error", "message"), [
    (b"", ConnectionClosed, "closed the connection without answering"),
    (b"SSH-2.0-OpenSSH_9.2\r\n", ProtocolError, "not an HTTP/1.x status line"),
    (b"HTTP/2 200\r\n\r\n", ProtocolError, "not an HTTP/1.x status line"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", ConnectionClosed,
     "5 bytes before the end"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", ProtocolError, "bad Content-Length"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", ProtocolError,
     "conflicting content-length"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n", ProtocolError, "more than"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", ProtocolError,
     "unsupported Transfer-Encoding"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", ProtocolError,
     "bad chunk size"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
     ProtocolError, "does not end where its size says"),
    (b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", ProtocolError, "malformed header line"),
    (b"HTTP/1.1 200 OK\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n", ProtocolError, "longer than"),
    (b"HTTP/1.1 200 OK\r\nContent-Le", ConnectionClosed, "in the middle of the headers"),
])
def test_an_answer_it_cannot_read_for_certain_is_an_error(script, error, message):
    with pytest.raises(error, match=message):
        post_to(ScriptedServer(script))


def test_a_server_that_never_answers_times_out_and_the_report_is_kept():
    server = ScriptedServer(None)
    try:
        result = Pusher(f"http://127.0.0.1:{server.port}", "web", None, "t").push(b"r", 0.3)
    finally:
        server.close()
    assert tuple(result) == (Outcome.UNREACHABLE, "timed out", "", None)


def test_a_kept_alive_connection_the_server_dropped_is_replaced_once():
    stored = b'HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n{"status": "stored", "seq": 1}'
    # The first connection is closed after one answer that promised to keep it open.
    server = ScriptedServer(stored, stored, keep_open=False)
    sender = Pusher(f"http://127.0.0.1:{server.port}", "web", None, "t")
    try:
        assert sender.push(b"r").outcome is Outcome.STORED
        assert sender.push(b"r").outcome is Outcome.STORED
    finally:
        sender.close()
        server.close()


def test_a_fresh_connection_the_server_drops_unanswered_is_unreachable():
    server = ScriptedServer(b"")
    try:
        result = Pusher(f"http://127.0.0.1:{server.port}", "web", None, "t").push(b"r")
    finally:
        server.close()
    assert tuple(result) == (Outcome.UNREACHABLE,
                             "the server closed the connection without answering", "", None)
