"""Clients that hold the server: one that dribbles its headers or sits idle is closed at the
header deadline, and a push whose body does not come is answered 408 `slow` (the agent keeps
the report), while /metrics goes on answering."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time

import pytest

from agent.push import Outcome, _interpret
from collector.config import parse_config_text
from collector.exposition.page import MetricsPage
from collector.http import HttpServer, build_http_app
from collector.ingest import AgentIngest
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

CONFIG = """
collector: {data_dir: "%s"}
agents: {clients: [{name: web, site: core, token: web-token}]}
sites:
  - {name: core, links: [{name: lan, kind: fiber, targets: [127.0.0.1]}]}
"""


async def serving(tmp_path, header_timeout: float, body_timeout: float):
    ingest = AgentIngest(parse_config_text(CONFIG % tmp_path, "collector.yml"),
                         body_timeout=body_timeout)
    await ingest.start()
    server = HttpServer(build_http_app(MetricsPage().render, lambda: (True, "ok"),
                                       ingest.routes()), "127.0.0.1", 0,
                        header_timeout=header_timeout)
    await server.start()
    return ingest, server


def closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_dribbled_headers_and_idle_connections_are_closed_at_the_deadline(tmp_path):
    async def test():
        ingest, server = await serving(tmp_path, header_timeout=1.0, body_timeout=30)
        try:
            slow = socket.create_connection(("127.0.0.1", server.port))
            slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: a")  # never ends
            idle = socket.create_connection(("127.0.0.1", server.port))
            started = time.monotonic()
            await async_wait_until(lambda: closed_by_server(slow) and closed_by_server(idle),
                                   timeout=10, what="both closed by the server")
            assert time.monotonic() - started < 5
            # A client that asks in time is answered as ever.
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 200")
            writer.close()
            slow.close()
            idle.close()
        finally:
            await server.stop()
            await ingest.stop()

    asyncio.run(test())


def test_a_push_whose_body_never_comes_is_a_408_the_agent_keeps(tmp_path):
    async def test():
        ingest, server = await serving(tmp_path, header_timeout=10, body_timeout=0.5)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"POST /api/v1/agents/web/push HTTP/1.1\r\nHost: x\r\n"
                         b"Authorization: Bearer web-token\r\n"
                         b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                         b"Pantau-Sent-At: 1800000000\r\nContent-Length: 10000\r\n\r\n\x1f\x8b")
            answer = await asyncio.wait_for(reader.read(), timeout=10)
            writer.close()
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408")
            assert json.loads(body)["error"] == "slow"
            assert _interpret(408, body).outcome is Outcome.REFUSED  # kept, sent again
            assert ingest.registry.rejected["slow"] == 1
        finally:
            await server.stop()
            await ingest.stop()

    asyncio.run(test())


def test_two_thousand_slow_connections_leave_every_scrape_answered_within_a_second(tmp_path):
    """From ten loopback addresses, 2,000 connections that send a few header bytes and stall;
    meanwhile a scraper from another address asks for /metrics every 50 ms. The collector may
    open 1,024 files, the default limit it cannot raise here: without a cap on connections
    it would run out of them."""
    from tests.integration.test_ingest import sections
    from tests.support.collector_process import CollectorProcess
    from tests.support.metrics import scrape

    collector = CollectorProcess(sections(), tmp_path, open_files=1024).start()
    held: list[socket.socket] = []
    try:
        for index in range(2000):
            sock = socket.socket()
            sock.setblocking(False)
            sock.bind((f"127.0.0.{11 + index % 10}", 0))
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", int(collector.base.rsplit(":", 1)[1])))
            held.append(sock)
        for sock in held:
            with contextlib.suppress(OSError):  # refused by the cap: closed at once
                sock.send(b"GET / HTTP/1.1\r\nHost: ")
        times = []
        for _ in range(40):
            started = time.monotonic()
            text = scrape(collector.base + "/metrics", timeout=1)
            times.append(time.monotonic() - started)
            assert "pantau_site_state" in text
            time.sleep(0.05)
        assert max(times) < 1.0, times
        assert scrape(collector.base + "/healthz", timeout=1).startswith(("ok", "rounds"))
    finally:
        for sock in held:
            sock.close()
        collector.stop()
    assert "connections refused" in collector.log
