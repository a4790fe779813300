"""TCP service checks against real listeners on loopback: an SMTP-like banner, TLS with a test
CA, a listener that never says anything, and a port nobody listens on."""

from __future__ import annotations

import asyncio
import socket

import pytest
from cryptography import x509

from collector.probes.tcp import TcpCheck, TcpProbe
from tests.support.service_check import service_check
from tests.support.tls import make_pki
from tests.support.web_app import server_context

pytestmark = pytest.mark.integration


def check(port: int, **keys) -> TcpCheck:
    return service_check(f"kind: tcp, name: mail, host: 127.0.0.1, port: {port}, timeout: 1s",
                         **keys)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def run(make_check, banner: bytes | None = b"220 mail.bappeda ESMTP\r\n", tls=None):
    received: list[bytes] = []

    async def scenario():
        async def serve(reader, writer):
            if banner is not None:
                writer.write(banner)
                await writer.drain()
                received.append(await reader.read(100))
            else:
                await asyncio.sleep(3)  # says nothing, closes nothing within the timeout
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
        port = server.sockets[0].getsockname()[1]
        try:
            return await TcpProbe().probe(make_check(port))
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(scenario()), received


def test_a_banner_that_matches_and_a_line_sent():
    result, received = run(lambda port: check(port, expect='"^220 "', send='"QUIT\\r\\n"'))
    assert result.success, result.detail
    assert received == [b"QUIT\r\n"]
    assert result.phases["connect"] > 0


def test_a_banner_that_does_not_match_is_a_body_failure():
    result, _ = run(lambda port: check(port, expect='"^SSH-"'))
    assert result.failure == "body"
    assert "220 mail.bappeda" in result.detail


def test_a_silent_listener_ends_by_the_timeout():
    result, _ = run(lambda port: check(port, expect='"^220 "'), banner=None)
    assert result.failure == "timeout"
    assert result.duration < 1.5


def test_tls_with_the_test_ca_and_the_certificates_expiry(pki):
    server = server_context(pki.cert_file, pki.key_file)
    result, _ = run(lambda port: check(port, tls="true", ca_file=pki.ca_file,
                                       expect='"^220 "'), tls=server)
    assert result.success, result.detail
    assert result.phases["tls"] > 0
    cert = x509.load_pem_x509_certificate(pki.cert_file.read_bytes())
    assert result.cert_expiry == cert.not_valid_after_utc.timestamp()
    wrong, _ = run(lambda port: check(port, tls="true", ca_file=pki.other_ca_file), tls=server)
    assert wrong.failure == "tls", wrong.detail


def test_nothing_listening_is_a_connect_failure():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    result = asyncio.run(TcpProbe().probe(check(port)))
    assert result.failure == "connect", result.detail
