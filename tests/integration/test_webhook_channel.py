"""The webhook channel against a real HTTP server on loopback that checks the signature with
the shared secret and drops repeated idempotency keys: a document delivered once, signed; a
URL that is gone refused for good; a server error or a slow server deferred alone and sent
later through the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from aiohttp import web

from collector.notify.outbox import DeliveryError, Outbox
from collector.notify.store import Message, MessageStatus
from collector.notify.webhook import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    WebhookChannel,
    idempotency_key,
    pantau_document,
    verify,
    webhook_payload,
)
from tests.support.waiting import async_wait_until
from tests.support.web_app import serve_app
from tests.unit.test_mail_render import EVERY_KIND, config

pytestmark = pytest.mark.integration

SECRET = "rahasia-bersama-kominfo"


class Receiver:
    """A webhook receiver as a ticketing tool would run one: it checks the signature, keeps
    each idempotency key once, and answers what the test sets for a path."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.keys: list[str] = []
        self.seen: list[tuple[str, str]] = []
        self.answers: dict[str, int] = {}
        self.delay = 0.0
        self.port = 0
        self._runner = None

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{path}", self._handle)
        self._runner, self.port = await serve_app(app)
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        status = self.answers.get(request.match_info["path"], 200)
        if status != 200:
            return web.Response(status=status, headers={"Retry-After": "1"})
        data = await request.read()
        if not verify(data, SECRET, request.headers.get(SIGNATURE_HEADER, "")):
            return web.Response(status=401, text="bad signature")
        key = request.headers[KEY_HEADER]
        self.keys.append(key)
        # Each URL is its own receiver: a key repeated on one URL is a repeat.
        self.seen.append((request.match_info["path"], key))
        if self.seen.count((request.match_info["path"], key)) == 1:
            self.received.append(json.loads(data))
        return web.Response(status=204)


def message(url: str, notifications=EVERY_KIND[:1]) -> Message:
    document = pantau_document(notifications, config("id"))
    return Message("webhook", url, idempotency_key(notifications), webhook_payload(document),
                   document["title"])


def with_receiver(test):
    async def scenario():
        receiver = await Receiver().start()
        try:
            await test(receiver)
        finally:
            await receiver.stop()

    asyncio.run(scenario())


def test_a_document_is_delivered_signed_with_its_key():
    async def test(receiver):
        channel = WebhookChannel({receiver.url("hook"): SECRET})
        await channel.send(message(receiver.url("hook")))
        [document] = receiver.received
        assert document["version"] == "1" and document["events"][0]["kind"] == "down"
        assert receiver.keys == [idempotency_key(EVERY_KIND[:1])]

    with_receiver(test)


def test_a_wrong_secret_or_a_url_that_is_gone_is_refused_for_good():
    async def test(receiver):
        receiver.answers["gone"] = 410
        for channel, url in ((WebhookChannel({receiver.url("hook"): "another"}), "hook"),
                             (WebhookChannel({receiver.url("gone"): SECRET}), "gone")):
            with pytest.raises(DeliveryError) as caught:
                await channel.send(message(receiver.url(url)))
            assert caught.value.permanent and caught.value.kind == "refused"

    with_receiver(test)


def test_a_slow_server_is_a_timeout_deferred_alone():
    async def test(receiver):
        receiver.delay = 2
        with pytest.raises(DeliveryError) as caught:
            await WebhookChannel({receiver.url("hook"): SECRET}, timeout=0.3).send(
                message(receiver.url("hook")))
        assert caught.value.kind == "timeout"
        assert not caught.value.channel_down and not caught.value.permanent

    with_receiver(test)


def test_a_failing_url_waits_while_another_gets_its_documents(tmp_path):
    async def test(receiver):
        receiver.answers["busy"] = 503
        urls = {receiver.url("busy"): SECRET, receiver.url("hook"): SECRET}
        outbox = Outbox(tmp_path / "outbox.sqlite3", [WebhookChannel(urls)], first=0.2,
                        maximum=0.5)
        await outbox.start()
        try:
            busy, hook = message(receiver.url("busy")), message(receiver.url("hook"))
            await outbox.enqueue([busy, hook])
            await async_wait_until(lambda: outbox.status(hook) is MessageStatus.SENT,
                                   timeout=10, what="the healthy URL's document")
            assert outbox.status(busy) is MessageStatus.PENDING
            del receiver.answers["busy"]
            await async_wait_until(lambda: outbox.status(busy) is MessageStatus.SENT,
                                   timeout=10, what="the busy URL's document after its wait")
        finally:
            await outbox.stop()
        assert len(receiver.keys) == 2  # one delivery to each URL, none twice

    with_receiver(test)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    from tests.support.tls import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


def test_an_untrusted_certificate_is_a_tls_failure_deferred_and_the_office_ca_trusts_it(pki):
    from tests.support.web_app import server_context

    async def scenario():
        receiver = Receiver()
        app = web.Application()
        app.router.add_post("/{path}", receiver._handle)
        runner, port = await serve_app(app, server_context(pki.cert_file, pki.key_file))
        url = f"https://127.0.0.1:{port}/hook"
        try:
            with pytest.raises(DeliveryError) as caught:
                await WebhookChannel({url: SECRET}).send(message(url))
            err = caught.value
            assert (err.kind, err.permanent, err.channel_down) == ("tls", False, False)
            assert "certificate" in err.detail.lower()
            with pytest.raises(DeliveryError) as caught:
                await WebhookChannel({url: SECRET}, ca_files={url: pki.other_ca_file}).send(
                    message(url))
            assert caught.value.kind == "tls"
            await WebhookChannel({url: SECRET}, ca_files={url: pki.ca_file}).send(message(url))
            assert len(receiver.received) == 1
        finally:
            await runner.cleanup()

    asyncio.run(scenario())


@pytest.mark.parametrize("behaviour", ["silent", "hang_up", "endless"])
def test_a_server_that_never_answers_hangs_up_or_answers_forever_costs_one_timeout_at_most(
        behaviour):
    """A raw TCP server: it accepts and says nothing, closes as soon as the request comes, or
    sends an answer whose body never ends."""

    async def scenario():
        async def handle(reader, writer):
            if behaviour == "hang_up":
                await reader.read(100)
                writer.close()
                return
            if behaviour == "endless":
                await reader.read(100)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    for _ in range(200):  # bounded: 200 chunks of 64 KiB
                        writer.write(b"10000\r\n" + b"x" * 0x10000 + b"\r\n")
                        await writer.drain()
                        await asyncio.sleep(0.01)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}/hook"
        channel = WebhookChannel({url: SECRET}, timeout=1.0)
        try:
            if behaviour == "endless":
                # Its status said it took the document: the body is not waited for.
                assert await channel.send(message(url)) is None
                return
            with pytest.raises(DeliveryError) as caught:
                await channel.send(message(url))
        finally:
            server.close()
        err = caught.value
        expected = {"silent": "timeout", "hang_up": "connect"}[behaviour]
        assert (err.kind, err.permanent, err.channel_down) == (expected, False, False), err

    asyncio.run(scenario())
