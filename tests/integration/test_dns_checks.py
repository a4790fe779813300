"""DNS service checks against a real name server (dnsmasq) on loopback: the right answer, a
wrong one, an rcode, an answer too long for UDP (asked again over TCP), a server that says
nothing, one that answers garbage, and a TCP port nobody listens on."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from collector.probes.dns import DnsCheck, DnsProbe
from tests.support.dns_server import DnsServer
from tests.support.service_check import service_check

pytestmark = pytest.mark.integration

LONG_TXT = ["a" * 200, "b" * 200, "c" * 200]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return udp.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with DnsServer(tmp_path_factory.mktemp("dns"), "127.0.0.1", None,
                   {"simpeg.bkd.test": "198.18.7.10"}, txt={"long.bkd.test": LONG_TXT}) as dns:
        yield dns


def check(port: int, **keys) -> DnsCheck:
    return service_check(f"kind: dns, name: ns, server: 127.0.0.1, port: {port}, timeout: 1s",
                         **keys)


def probe(spec: DnsCheck):
    return asyncio.run(DnsProbe().probe(spec))


def test_the_expected_answer_succeeds_with_its_lookup_time_and_records(server):
    result = probe(check(server.port, query_name="simpeg.bkd.test",
                         answer_match=r'"IN A 198\\.18\\.7\\.10$"'))
    assert result.success, result.detail
    assert result.figures == {"answer_rrs": 1}
    assert 0 < result.phases["lookup"] < 1


def test_a_wrong_answer_fails_with_kind_dns_and_shows_what_came(server):
    result = probe(check(server.port, query_name="simpeg.bkd.test",
                         answer_match=r'"IN A 198\\.18\\.7\\.11$"'))
    assert result.failure == "dns"
    assert "198.18.7.10" in result.detail


def test_answer_not_match_fails_on_a_forbidden_record(server):
    result = probe(check(server.port, query_name="simpeg.bkd.test",
                         answer_not_match=r'"198\\.18\\.7\\.10"'))
    assert result.failure == "dns"


def test_an_unexpected_rcode_fails_and_an_expected_one_succeeds(server):
    # No upstream: a name it does not hold is refused.
    refused = probe(check(server.port, query_name="nothere.test"))
    assert refused.failure == "dns" and "REFUSED" in refused.detail
    assert probe(check(server.port, query_name="nothere.test",
                       expect_rcode="[REFUSED]")).success


def test_a_changed_answer_is_seen_after_the_server_reloads(server):
    spec = check(server.port, query_name="simpeg.bkd.test",
                 answer_match=r'"198\\.18\\.7\\.10$"')
    assert probe(spec).success
    server.write({"simpeg.bkd.test": "198.18.7.99"})
    server.reload()
    try:
        assert probe(spec).failure == "dns"
    finally:
        server.write({"simpeg.bkd.test": "198.18.7.10"})
        server.reload()


def test_an_answer_too_long_for_udp_is_asked_again_over_tcp(server):
    # Over 512 bytes without EDNS: the UDP answer comes back truncated and empty of records.
    result = probe(check(server.port, query_name="long.bkd.test", query_type="TXT",
                         answer_match='"cccc"'))
    assert result.success, result.detail
    assert result.figures == {"answer_rrs": 1}


def test_tcp_transport_asks_over_tcp(server):
    assert probe(check(server.port, query_name="simpeg.bkd.test", transport="tcp")).success


def test_nobody_listening_on_tcp_is_a_connect_failure():
    result = probe(check(free_port(), query_name="simpeg.bkd.test", transport="tcp"))
    assert result.failure == "connect"


def udp_responder(answer: bytes | None):
    """A UDP socket that answers every datagram with ``answer`` (None: says nothing)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            if answer is not None:
                sock.sendto(data[:2] + answer, peer)  # the query's id, then garbage

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return sock, stop, thread


@pytest.mark.parametrize(("answer", "failure"), [(None, "timeout"),
                                                 (b"\x81\x80\xff\xff garbage", "other")])
def test_a_silent_or_garbage_server_is_a_failure_never_a_crash(answer, failure):
    sock, stop, thread = udp_responder(answer)
    try:
        result = probe(check(sock.getsockname()[1], query_name="simpeg.bkd.test"))
    finally:
        stop.set()
        thread.join()
        sock.close()
    assert result.failure == failure, result.detail
    assert result.duration < 1.5
