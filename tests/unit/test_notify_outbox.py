"""The outbox for every channel, with recording fake channels and a fake clock: one message
per (channel, recipient, group) ever, channels failing apart, refusals for good counted and
not retried, a channel's own pause honoured, and what waited sent after a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from collector.notify.outbox import DeliveryError, Outbox, backoff
from collector.notify.store import Message, MessageStatus
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.unit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeChannel:
    """Records what it is asked to send; ``outcome`` decides what happens to the next."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.destination = f"{name}.test"
        self.calls: list[tuple[str, str]] = []
        self.outcome: Callable[[Message], DeliveryError | None] = lambda message: None
        self.aborted = 0

    def abort(self) -> None:
        self.aborted += 1

    async def send(self, message: Message) -> None:
        self.calls.append((message.recipient, message.key))
        error = self.outcome(message)
        if error is not None:
            raise error


def message(channel: str, recipient: str, key: str) -> Message:
    return Message(channel, recipient, key, f'{{"text": "{key}"}}', f"event {key}")


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


def make(tmp_path: Path, *names: str) -> tuple[Outbox, dict[str, FakeChannel], FakeClock]:
    channels = {name: FakeChannel(name) for name in names}
    clock = FakeClock()
    return Outbox(tmp_path / "outbox.sqlite3", list(channels.values()), 30, 300,
                  clock), channels, clock


def test_backoff_doubles_from_first_up_to_the_maximum():
    assert [backoff(n, 30, 300) for n in (1, 2, 3, 4, 5, 100)] == [30, 60, 120, 240, 300, 300]


def test_a_group_is_stored_once_per_channel_and_recipient_and_sent_once(tmp_path):
    async def scenario():
        outbox, channels, _ = make(tmp_path, "telegram", "webhook")
        await outbox.open()
        group = [message("telegram", "-1001", "k1"), message("telegram", "-1002", "k1"),
                 message("webhook", "https://hook.test/a", "k1")]
        assert await outbox.enqueue(group) == 3
        assert await outbox.enqueue(group) == 0  # rendered again: nothing new
        for name in channels:
            assert await outbox.deliver_due(name) is None
        assert channels["telegram"].calls == [("-1001", "k1"), ("-1002", "k1")]
        assert channels["webhook"].calls == [("https://hook.test/a", "k1")]
        assert await outbox.enqueue(group) == 0
        for name in channels:
            await outbox.deliver_due(name)
        assert len(channels["telegram"].calls) == 2  # never twice
        assert all(outbox.status(each) is MessageStatus.SENT for each in group)
        await outbox.stop()

    run(scenario)


def test_one_channel_down_waits_on_its_backoff_while_the_others_deliver(tmp_path):
    async def scenario():
        outbox, channels, clock = make(tmp_path, "telegram", "webhook")
        await outbox.open()
        channels["telegram"].outcome = lambda m: DeliveryError("connect", "refused")
        await outbox.enqueue([message("telegram", "-1001", "k1"),
                              message("telegram", "-1001", "k2"),
                              message("webhook", "https://hook.test/a", "k1")])
        retry_at = await outbox.deliver_due("telegram")
        assert retry_at == clock.now + 30
        assert await outbox.deliver_due("webhook") is None
        assert channels["webhook"].calls == [("https://hook.test/a", "k1")]
        # Before its retry time nothing is tried; the second failure doubles the wait.
        clock.now += 10
        assert await outbox.deliver_due("telegram") == retry_at
        clock.now = retry_at
        assert await outbox.deliver_due("telegram") == clock.now + 60
        assert len(channels["telegram"].calls) == 2  # one try per retry, not one per message
        channels["telegram"].outcome = lambda m: None
        clock.now += 60
        assert await outbox.deliver_due("telegram") is None
        stats = outbox.stats()["telegram"]
        assert (stats.pending, stats.sent, stats.failures) == (0, 2, {"connect": 2})
        assert stats.oldest_pending_at is None
        await outbox.stop()

    run(scenario)


def test_a_refusal_for_good_fails_that_message_only_and_is_not_tried_again(tmp_path):
    async def scenario():
        outbox, channels, _ = make(tmp_path, "telegram")
        await outbox.open()
        blocked = message("telegram", "-1009", "k1")
        channels["telegram"].outcome = lambda m: (
            DeliveryError("forbidden", "bot was blocked by the user", permanent=True)
            if m.recipient == "-1009" else None)
        await outbox.enqueue([blocked, message("telegram", "-1001", "k1")])
        assert await outbox.deliver_due("telegram") is None
        assert outbox.status(blocked) is MessageStatus.FAILED
        await outbox.deliver_due("telegram")
        assert channels["telegram"].calls == [("-1009", "k1"), ("-1001", "k1")]
        stats = outbox.stats()["telegram"]
        assert (stats.sent, stats.failed, stats.failures) == (1, 1, {"forbidden": 1})
        await outbox.stop()

    run(scenario)


def test_a_channel_asking_to_wait_is_left_alone_for_that_long(tmp_path):
    async def scenario():
        outbox, channels, clock = make(tmp_path, "telegram")
        await outbox.open()
        channels["telegram"].outcome = lambda m: DeliveryError(
            "rate_limited", "Too Many Requests: retry after 7", retry_after=7)
        await outbox.enqueue([message("telegram", "-1001", "k1")])
        await outbox.enqueue([message("telegram", "-1002", "k1")])
        assert await outbox.deliver_due("telegram") == clock.now + 7
        assert len(channels["telegram"].calls) == 1  # the whole channel waits, not one message
        channels["telegram"].outcome = lambda m: None
        clock.now += 7
        assert await outbox.deliver_due("telegram") is None
        assert outbox.stats()["telegram"].sent == 2
        await outbox.stop()

    run(scenario)


def test_a_message_deferred_alone_does_not_hold_the_others(tmp_path):
    async def scenario():
        outbox, channels, clock = make(tmp_path, "webhook")
        await outbox.open()
        channels["webhook"].outcome = lambda m: (
            DeliveryError("server", "HTTP 503", channel_down=False, retry_after=120)
            if m.key == "k1" else None)
        await outbox.enqueue([message("webhook", "https://hook.test/a", "k1"),
                              message("webhook", "https://hook.test/a", "k2")])
        assert await outbox.deliver_due("webhook") == clock.now + 120  # its Retry-After
        assert outbox.status(message("webhook", "https://hook.test/a", "k2")) \
            is MessageStatus.SENT
        await outbox.stop()

    run(scenario)


def test_what_waited_goes_after_a_restart_and_nothing_twice(tmp_path):
    async def scenario():
        outbox, channels, _ = make(tmp_path, "telegram")
        await outbox.open()
        channels["telegram"].outcome = lambda m: DeliveryError("connect", "refused")
        await outbox.enqueue([message("telegram", "-1001", "k1"),
                              message("telegram", "-1001", "k2")])
        await outbox.deliver_due("telegram")
        await outbox.stop()

        again, channels, _ = make(tmp_path, "telegram")
        await again.start()
        await async_wait_until(lambda: again.stats()["telegram"].sent == 2, timeout=10,
                               what="the pending messages sent after the restart")
        assert channels["telegram"].calls == [("-1001", "k1"), ("-1001", "k2")]
        assert await again.enqueue([message("telegram", "-1001", "k1")]) == 0
        await again.stop()

    run(scenario)


def test_a_message_for_a_channel_not_configured_is_kept_as_a_record(tmp_path):
    async def scenario():
        outbox, _, _ = make(tmp_path, "mail")
        await outbox.open()
        orphan = message("telegram", "-1001", "k1")
        assert await outbox.enqueue([orphan]) == 1
        assert outbox.status(orphan) is MessageStatus.NOT_SENT
        await outbox.stop()

    run(scenario)


def test_a_reload_keeps_a_channel_given_again_and_hands_a_replaced_ones_messages_on(tmp_path):
    async def scenario():
        outbox, channels, _ = make(tmp_path, "mail", "telegram")
        await outbox.start()
        try:
            mail, old_telegram = channels["mail"], channels["telegram"]
            old_telegram.outcome = lambda m: DeliveryError("connect", "down")
            await outbox.enqueue([message("telegram", "-1001", "k1")])
            await async_wait_until(lambda: old_telegram.calls, timeout=5,
                                   what="the old bot tried")
            # Telegram's settings change (a new bot token), mail's do not; a webhook is added.
            new_telegram, webhook = FakeChannel("telegram"), FakeChannel("webhook")
            await outbox.reconfigure([mail, new_telegram, webhook], 30, 300)
            assert mail.aborted == 0 and old_telegram.aborted == 1
            await async_wait_until(lambda: new_telegram.calls == [("-1001", "k1")],
                                   timeout=5, what="the new bot sent what waited")
            await outbox.enqueue([message("mail", "noc@example.org", "k2"),
                                  message("webhook", "https://hook.test/a", "k2")])
            await async_wait_until(lambda: mail.calls and webhook.calls, timeout=5,
                                   what="mail and the webhook sent")
            # Telegram disabled while a message of its waits: that one stays pending, and
            # goes when Telegram is back; one decided meanwhile is a record, never sent.
            new_telegram.outcome = lambda m: DeliveryError("connect", "down")
            await outbox.enqueue([message("telegram", "-1002", "k3")])
            await async_wait_until(lambda: ("-1002", "k3") in new_telegram.calls, timeout=5,
                                   what="k3 tried")
            await outbox.reconfigure([mail, webhook], 30, 300)
            assert "telegram" not in outbox.stats()
            await outbox.enqueue([message("telegram", "-1003", "k4")])
            assert outbox.status_of("telegram", "k4") is MessageStatus.NOT_SENT
            back = FakeChannel("telegram")
            await outbox.reconfigure([mail, webhook, back], 30, 300)
            await async_wait_until(lambda: back.calls == [("-1002", "k3")], timeout=5,
                                   what="k3 sent once Telegram is back")
            assert outbox.status_of("telegram", "k3") is MessageStatus.SENT
            assert outbox.status_of("telegram", "k4") is MessageStatus.NOT_SENT
        finally:
            await outbox.stop()

    run(scenario)
