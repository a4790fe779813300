"""The Telegram channel against a stand-in Bot API on loopback that answers as Telegram does
and refuses what Telegram refuses: a message sent, each kind of refusal sorted as the outbox
needs it, the token never in an error, and messages queued while the API was down delivered
once it is back."""

from __future__ import annotations

import asyncio
import json

import pytest

from collector.notify.outbox import DeliveryError, Outbox
from collector.notify.store import Message, MessageStatus
from collector.notify.telegram import TelegramChannel, render_telegram
from tests.support.collector_process import free_port
from tests.support.telegram_api import BotApiServer
from tests.support.waiting import async_wait_until
from tests.unit.test_mail_render import EVERY_KIND, config

pytestmark = pytest.mark.integration

TOKEN = "123456:ABC-test-token"
CHAT = -1001234567890


def message(chat: int, key: str, text: str | None = None) -> Message:
    body = text if text is not None else render_telegram(EVERY_KIND[:1], config("id"))
    return Message("telegram", str(chat), key,
                   json.dumps({"chat_id": chat, "text": body, "parse_mode": "HTML"}), key)


def with_api(test, **kwargs):
    async def scenario():
        api = await BotApiServer(TOKEN, {CHAT}, **kwargs).start()
        try:
            await test(api)
        finally:
            await api.stop()

    asyncio.run(scenario())


def test_a_message_reaches_the_chat_as_rendered():
    async def test(api):
        await TelegramChannel(TOKEN, api.url).send(message(CHAT, "k1"))
        [sent] = api.messages
        assert sent["chat_id"] == CHAT and sent["parse_mode"] == "HTML"
        assert sent["text"].startswith("<b>Pantau: PUTUS: diskominfo")

    with_api(test)


@pytest.mark.parametrize(("chat", "token", "kind", "permanent", "down"), [
    (-1009, TOKEN, "refused", True, False),             # chat not found
    (-1007, TOKEN, "refused", True, False),             # the bot was blocked
    (CHAT, "999:wrong", "auth", False, True),           # a wrong token
])
def test_refusals_are_sorted_for_the_outbox(chat, token, kind, permanent, down):
    async def test(api):
        with pytest.raises(DeliveryError) as caught:
            await TelegramChannel(token, api.url).send(message(chat, "k1"))
        err = caught.value
        assert (err.kind, err.permanent, err.channel_down) == (kind, permanent, down)
        assert token not in str(err)

    with_api(test, blocked={-1007})


def test_a_text_the_api_cannot_parse_is_refused_for_good():
    async def test(api):
        with pytest.raises(DeliveryError) as caught:
            await TelegramChannel(TOKEN, api.url).send(message(CHAT, "k1", "a < b"))
        assert caught.value.permanent and "can't parse entities" in caught.value.detail

    with_api(test)


def test_flood_control_is_a_pause_of_its_length_and_an_api_down_is_the_channel_down():
    async def test(api):
        channel = TelegramChannel(TOKEN, api.url)
        api.flood = 7
        with pytest.raises(DeliveryError) as flood:
            await channel.send(message(CHAT, "k1"))
        assert (flood.value.kind, flood.value.retry_after, flood.value.channel_down) == (
            "rate_limited", 7.0, True)
        api.flood, api.down = None, True
        with pytest.raises(DeliveryError) as down:
            await channel.send(message(CHAT, "k1"))
        assert down.value.channel_down and not down.value.permanent
        with pytest.raises(DeliveryError) as unreachable:
            await TelegramChannel(TOKEN, f"http://127.0.0.1:{free_port()}").send(
                message(CHAT, "k1"))
        assert unreachable.value.kind == "connect" and TOKEN not in str(unreachable.value)

    with_api(test)


def test_messages_queued_while_the_api_is_down_arrive_once_it_is_back(tmp_path):
    async def test(api):
        api.down = True
        outbox = Outbox(tmp_path / "outbox.sqlite3", [TelegramChannel(TOKEN, api.url)],
                        first=0.2, maximum=0.5)
        await outbox.start()
        try:
            queued = [message(CHAT, f"k{n}") for n in range(3)]
            await outbox.enqueue(queued)
            await async_wait_until(lambda: outbox.stats()["telegram"].failures.get("server"),
                                   timeout=10, what="a failed attempt while the API is down")
            api.down = False
            await async_wait_until(lambda: outbox.stats()["telegram"].sent == 3, timeout=10,
                                   what="the three messages sent once the API is back")
            assert await outbox.enqueue(queued) == 0
            assert all(outbox.status(each) is MessageStatus.SENT for each in queued)
        finally:
            await outbox.stop()
        assert len(api.messages) == 3

    with_api(test)


def test_a_self_hosted_api_with_the_office_certificate_is_trusted_only_with_its_ca(tmp_path):
    from tests.support.tls import make_pki
    from tests.support.web_app import server_context

    pki = make_pki(tmp_path)

    async def scenario():
        api = await BotApiServer(TOKEN, {CHAT}).start(server_context(pki.cert_file,
                                                                     pki.key_file))
        try:
            with pytest.raises(DeliveryError) as caught:
                await TelegramChannel(TOKEN, api.url).send(message(CHAT, "k1"))
            err = caught.value
            assert (err.kind, err.permanent, err.channel_down) == ("tls", False, True)
            assert TOKEN not in str(err)
            assert await TelegramChannel(TOKEN, api.url, ca_file=pki.ca_file).send(
                message(CHAT, "k1")) == "1"
            assert len(api.messages) == 1
        finally:
            await api.stop()

    asyncio.run(scenario())
