"""HTTP(S) service checks against real servers on loopback: aiohttp servers with a test CA,
a TCP listener that answers garbage, and one that never closes."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from cryptography import x509

from collector.probes.http import HttpCheck, HttpProbe
from tests.support.service_check import service_check
from tests.support.tls import make_pki
from tests.support.web_app import serve_app, server_context

pytestmark = pytest.mark.integration


def check(url: str, **keys) -> HttpCheck:
    return service_check(f'kind: http, name: web, url: "{url}", timeout: 2s', **keys)


async def endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    for _ in range(10_000):  # bounded: at most 640 MB, far past the body limit
        await response.write(b"x" * 65536)
    return response


async def huge_length(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": str(10 * 1024 ** 3)})
    await response.prepare(request)
    await response.write(b"x" * 1024)
    return response


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response(text="late")


def answer(status: int = 200, text: str = ""):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=text)
    return handler


async def moved(request: web.Request) -> web.Response:
    raise web.HTTPFound("/")


def app() -> web.Application:
    application = web.Application()
    application.router.add_get("/", answer(text="<h1>SIMPEG — Masuk</h1>"))
    application.router.add_get("/error", answer(500, "error"))
    application.router.add_get("/maintenance", answer(text="Sedang maintenance"))
    application.router.add_get("/moved", moved)
    application.router.add_get("/endless", endless)
    application.router.add_get("/huge", huge_length)
    application.router.add_get("/slow", slow)
    return application


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


async def serve(pki, tls: bool):
    return await serve_app(app(), server_context(pki.cert_file, pki.key_file) if tls else None)


def run(pki, tls: bool, make_check):
    async def scenario():
        runner, port = await serve(pki, tls)
        try:
            return await HttpProbe().probe(make_check(port))
        finally:
            await runner.cleanup()
    return asyncio.run(scenario())


def test_https_success_with_every_phase_timed_and_the_certificates_expiry(pki):
    result = run(pki, True, lambda port: check(
        f"https://127.0.0.1:{port}/", ca_file=pki.ca_file, body_match="Masuk",
        expect_status="[200]"))
    assert result.success, result.detail
    assert result.status_code == 200
    assert set(result.phases) == {"resolve", "connect", "tls", "processing", "transfer"}
    assert result.phases["connect"] > 0 and result.phases["tls"] > 0
    assert result.phases["processing"] > 0
    assert sum(result.phases.values()) <= result.duration
    cert = x509.load_pem_x509_certificate(pki.cert_file.read_bytes())
    assert result.cert_expiry == cert.not_valid_after_utc.timestamp()


@pytest.mark.parametrize(("path", "keys", "failure", "detail", "status"), [
    ("/error", {}, "status", "HTTP 500", 500),
    ("/maintenance", {"body_not_match": '"(?i)maintenance"'}, "body", "body matches", 200),
    ("/", {"body_match": '"Dashboard"'}, "body", "does not match", 200),
    ("/moved", {"follow_redirects": "false"}, "status", "HTTP 302", 302),
    ("/endless", {"body_limit": 65536}, "body", "over the 65536-byte limit", 200),
    ("/huge", {}, "body", "10737418240 bytes is over", 200),
    ("/slow", {}, "timeout", "no answer within 2 s", None),
])
def test_each_failure_is_a_kind_with_its_reason(pki, path, keys, failure, detail, status):
    result = run(pki, False, lambda port: check(f"http://127.0.0.1:{port}{path}", **keys))
    assert (result.failure, result.success) == (failure, False)
    assert detail in result.detail
    assert result.status_code == status
    # The check ends by its timeout (2 s) at the latest, whatever the server does.
    assert result.duration < 2.5


def test_a_redirect_is_followed_to_the_page(pki):
    result = run(pki, False, lambda port: check(f"http://127.0.0.1:{port}/moved",
                                                body_match='"Masuk"'))
    assert result.success, result.detail
    assert result.status_code == 200


def test_a_certificate_from_another_ca_is_a_tls_failure(pki):
    result = run(pki, True, lambda port: check(f"https://127.0.0.1:{port}/",
                                               ca_file=pki.other_ca_file))
    assert result.failure == "tls", result.detail


def test_without_verification_the_certificate_is_still_read(pki):
    result = run(pki, True, lambda port: check(f"https://127.0.0.1:{port}/",
                                               tls_verify="false"))
    assert result.success, result.detail
    assert result.cert_expiry is not None


def test_nothing_listening_is_a_connect_failure():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    # The port was free a moment ago and nothing listens on it now.
    result = asyncio.run(HttpProbe().probe(check(f"http://127.0.0.1:{port}/")))
    assert result.failure == "connect", result.detail


def test_a_server_answering_garbage_is_a_failure_not_a_crash():
    async def scenario():
        async def garbage(reader, writer):
            await reader.read(1024)
            writer.write(b"\x00\xffNOT HTTP AT ALL\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(garbage, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await HttpProbe().probe(check(f"http://127.0.0.1:{port}/"))
        finally:
            server.close()
            await server.wait_closed()

    result = asyncio.run(scenario())
    assert result.failure == "other", result.detail
