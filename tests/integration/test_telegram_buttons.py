"""The "Ditangani" button against the stand-in Bot API on loopback: down messages carry it, a
press (read by long-polling getUpdates) takes the outage in hand in the outage log, answers the
one who pressed, and edits every message that carried the button; a late press, a press on an
ended outage and one from a chat Pantau does not send to change nothing; a second reader of
the same bot is a failure counted, not a crash."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from zoneinfo import ZoneInfo

import pytest

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import OutageLog
from collector.config import parse_config_text
from collector.notify.buttons import AckButtons
from collector.notify.outbox import Outbox
from collector.notify.routing import channel_messages
from collector.notify.store import Message
from collector.notify.telegram import TelegramChannel
from collector.words import WORDS, format_time
from tests.support.telegram_api import BotApiServer, parse_html
from tests.support.waiting import async_wait_until
from tests.unit.test_mail_render import DOWN, SERVICE_DOWN, T0

pytestmark = pytest.mark.integration

TOKEN = "123456:ABC-test-token"
CHATS = (-1001, -1002)
STRANGER = -1009

CONFIG = """
collector: {data_dir: %(tmp)s, timezone: Asia/Makassar}
mail: {language: id}
telegram:
  enabled: true
  token: "%(token)s"
  api_url: %(url)s
  poll_timeout: 2s
  groups: {central: [%(chats)s]}
sites:
  - name: diskominfo
    title: Dinas Kominfo
    links: [{name: fo, kind: fiber, targets: [192.0.2.10]}]
  - name: bkd
    title: Badan Kepegawaian Daerah
    links: [{name: fo, kind: fiber, targets: [192.0.2.70]}]
    services:
      - {name: simpeg, kind: http, url: "http://192.0.2.70/"}
"""


class Bench:
    def __init__(self, tmp_path, api: BotApiServer) -> None:
        self.config = parse_config_text(CONFIG % {
            "tmp": tmp_path, "token": TOKEN, "url": api.url,
            "chats": ", ".join(str(chat) for chat in CHATS)}, "collector.yml")
        self.api = api
        self.log = OutageLog(tmp_path / "outages.sqlite")
        self.channel = TelegramChannel(TOKEN, api.url, timeout=5)
        self.outbox = Outbox(tmp_path / "outbox.sqlite3", [self.channel], first=0.05,
                             maximum=0.2)
        self.buttons = AckButtons(self.channel, self.outbox, self.log, self.config)

    async def tell(self, *notifications) -> None:
        await self.outbox.enqueue(channel_messages(list(notifications), self.config))

    async def sent(self, count: int) -> None:
        await async_wait_until(lambda: len(self.api.messages) >= count
                               and not self.outbox.stats()["telegram"].pending,
                               timeout=10, what=f"{count} messages in the chats")


def with_bench(tmp_path, test):
    async def scenario():
        api = await BotApiServer(TOKEN, {*CHATS, STRANGER}).start()
        bench = Bench(tmp_path, api)
        await bench.outbox.start()
        await bench.buttons.start()
        try:
            await test(bench, api)
        finally:
            await bench.buttons.stop()
            await bench.outbox.stop()
            bench.log.close()
            await api.stop()

    asyncio.run(scenario())


def test_a_press_takes_the_outage_in_hand_and_every_chat_sees_who(tmp_path):
    async def test(bench, api):
        outage = bench.log.open("diskominfo", None, T0)
        await bench.tell(dataclasses.replace(DOWN, outage_id=outage))
        await bench.sent(2)
        for chat in CHATS:
            assert api.shown[(str(chat), 1)]["reply_markup"] == {"inline_keyboard": [
                [{"text": "Ditangani", "callback_data": f"ack:{outage}"}]]}
        query = await api.press(CHATS[0], 1, f"ack:{outage}")
        await async_wait_until(lambda: len(api.edits) == 2, timeout=10,
                               what="both messages edited")
        ack = bench.log.acknowledgement(outage)
        assert ack is not None and ack.by == "Budi (@budi_noc)"
        assert api.answered(query)["text"] == f"Dicatat: Anda menangani gangguan #{outage}."
        for chat in CHATS:
            shown = api.shown[(str(chat), 1)]
            assert shown["reply_markup"] is None
            text = parse_html(shown["text"])
            assert text.startswith("Pantau: PUTUS: diskominfo")
            when = format_time(WORDS["id"], ack.at, ZoneInfo("Asia/Makassar"))
            assert text.endswith(f"\n\n✅ Ditangani oleh Budi (@budi_noc), {when}")
        assert bench.buttons.stats.acknowledged == 1

    with_bench(tmp_path, test)


def test_a_reminder_pressed_after_someone_took_it_says_who_and_changes_nothing(tmp_path):
    async def test(bench, api):
        outage = bench.log.open("diskominfo", None, T0)
        down = dataclasses.replace(DOWN, outage_id=outage)
        await bench.tell(down)
        await bench.sent(2)
        # A reminder already on its way when the first press came.
        await bench.tell(dataclasses.replace(down, kind=EventKind.REMINDER, at=T0 + 7200))
        await bench.sent(4)
        first = await api.press(CHATS[0], 1, f"ack:{outage}")
        await async_wait_until(lambda: len(api.edits) == 4, timeout=10,
                               what="the down messages and the reminders edited")
        assert api.answered(first) is not None
        # Every message with the button said who; nothing is left to press.
        with pytest.raises(AssertionError, match="shows no button"):
            await api.press(CHATS[1], 2, f"ack:{outage}")
        late = bench.log.acknowledge(outage, "Andi", T0 + 9000)
        assert late.by == "Budi (@budi_noc)"
        assert bench.buttons.stats.acknowledged == 1

    with_bench(tmp_path, test)


def test_presses_on_an_ended_outage_or_from_a_strange_chat_change_nothing(tmp_path):
    async def test(bench, api):
        ended = bench.log.open("diskominfo", None, T0)
        await bench.tell(dataclasses.replace(DOWN, outage_id=ended))
        await bench.sent(2)
        bench.log.close_outage(ended, T0 + 60)
        over = await api.press(CHATS[0], 1, f"ack:{ended}")
        await async_wait_until(lambda: api.answered(over) is not None, timeout=10,
                               what="the press answered")
        assert api.answered(over)["text"] == f"Gangguan #{ended} sudah berakhir."
        assert bench.log.acknowledgement(ended) is None
        # A chat Pantau does not send to (the bot was added there by someone).
        current = bench.log.open("bkd", None, T0)
        params = json.loads(channel_messages(
            [dataclasses.replace(DOWN, outage_id=current)], bench.config)[0].payload)
        params["chat_id"] = STRANGER
        await bench.outbox.enqueue([Message("telegram", str(STRANGER), "stranger",
                                            json.dumps(params), "stranger")])
        await bench.sent(3)
        stranger = await api.press(STRANGER, 1, f"ack:{current}")
        await async_wait_until(lambda: api.answered(stranger) is not None, timeout=10,
                               what="the stranger's press answered")
        assert "text" not in api.answered(stranger)
        assert bench.log.acknowledgement(current) is None
        assert api.edits == []

    with_bench(tmp_path, test)


def test_one_of_several_outages_taken_keeps_the_other_buttons(tmp_path):
    async def test(bench, api):
        site = bench.log.open("diskominfo", None, T0)
        service = bench.log.open("bkd", None, T0, service="simpeg")
        await bench.tell(dataclasses.replace(DOWN, outage_id=site),
                         dataclasses.replace(SERVICE_DOWN, outage_id=service))
        await bench.sent(2)
        keyboard = api.shown[(str(CHATS[0]), 1)]["reply_markup"]["inline_keyboard"]
        assert [row[0]["callback_data"] for row in keyboard] == [f"ack:{site}",
                                                                 f"ack:{service}"]
        assert keyboard[1][0]["text"].startswith("Ditangani: ")
        await api.press(CHATS[1], 1, f"ack:{service}")
        await async_wait_until(lambda: len(api.edits) == 2, timeout=10,
                               what="both messages edited")
        shown = api.shown[(str(CHATS[0]), 1)]
        assert shown["reply_markup"] == {"inline_keyboard": [keyboard[0]]}
        assert f"✅ Gangguan #{service} ditangani oleh Budi (@budi_noc)" in parse_html(
            shown["text"])
        await api.press(CHATS[0], 1, f"ack:{site}")
        await async_wait_until(lambda: len(api.edits) == 4, timeout=10,
                               what="both messages edited again")
        text = parse_html(api.shown[(str(CHATS[0]), 1)]["text"])
        assert f"#{site} ditangani" in text and f"#{service} ditangani" in text
        assert api.shown[(str(CHATS[0]), 1)]["reply_markup"] is None

    with_bench(tmp_path, test)


def test_a_second_reader_of_the_same_bot_is_counted_not_a_crash(tmp_path, caplog):
    async def test(bench, api):
        other = AckButtons(bench.channel, bench.outbox, bench.log, bench.config)
        await other.start()
        try:
            await async_wait_until(
                lambda: bench.buttons.stats.poll_failures.get("refused", 0)
                + other.stats.poll_failures.get("refused", 0) >= 1,
                timeout=15, what="a getUpdates ended by the other reader (409)")
        finally:
            await other.stop()
        assert "cannot read button presses" in caplog.text
        assert "Conflict: terminated by other getUpdates request" in caplog.text
        # Alone again, presses are read.
        outage = bench.log.open("diskominfo", None, T0)
        await bench.tell(dataclasses.replace(DOWN, outage_id=outage))
        await bench.sent(2)
        await api.press(CHATS[0], 1, f"ack:{outage}")
        await async_wait_until(lambda: bench.log.acknowledgement(outage) is not None,
                               timeout=20, what="the press read")

    with_bench(tmp_path, test)
