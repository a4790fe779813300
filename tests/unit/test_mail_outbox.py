"""The outbox with a recording fake sender and a fake clock: backoff, restarts, refusals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from collector.config.mail import MailRetry, MailSettings
from collector.mail import Mail, MailError, MailErrorKind, MailStatus
from collector.mail.outbox import backoff
from tests.support.mail_outbox import mail_outbox
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.unit

SETTINGS = MailSettings.model_validate({"retry": {"first": "30s", "max": "5m"}})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeSender:
    """Records each mail it is asked to send; `outcome` decides what happens to the next."""

    server = "mail.test:587"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.outcome: Callable[[Mail], MailError | None] = lambda mail: None
        self.aborted = 0

    def abort(self) -> None:
        self.aborted += 1

    async def send(self, mail: Mail) -> tuple[str, ...]:
        self.calls.append(mail.subject)
        error = self.outcome(mail)
        if error is not None:
            raise error
        return ()


def mail(name: str, to: tuple[str, ...] = ("noc@example.org",)) -> Mail:
    return Mail("pantau@example.org", to, name, f"{name}\n", None, (), f"<{name}@example.org>",
                1_700_000_000.0)


def down(_: Mail) -> MailError:
    return MailError(MailErrorKind.CONNECT, "cannot connect to mail.test:587: refused")


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


@pytest.mark.parametrize(("attempts", "seconds"), [
    (1, 30), (2, 60), (3, 120), (4, 240), (5, 300), (6, 300), (1000, 300)])
def test_backoff_doubles_from_first_up_to_max(attempts: int, seconds: float) -> None:
    assert backoff(attempts, MailRetry(first=30, max=300)) == seconds


def test_server_down_mails_wait_on_the_backoff_and_go_once_it_is_back(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock, sender = FakeClock(), FakeSender()
    caplog.set_level(logging.INFO, logger="collector.notify")

    async def test() -> None:
        outbox = mail_outbox(tmp_path / "mail.sqlite3", sender, SETTINGS, clock=clock)
        await outbox.open()
        for name in ("a", "b"):
            assert await outbox.enqueue(mail(name))
        sender.outcome = down
        waits = []
        for _ in range(5):
            retry_at = await outbox.deliver_due()
            assert retry_at is not None
            # Called early, nothing is tried.
            assert await outbox.deliver_due() == retry_at
            waits.append(retry_at - clock.now)
            clock.now = retry_at
        assert waits == [30, 60, 120, 240, 300]
        # Each pass stops at the first mail: the server is down for all of them.
        assert sender.calls == ["a"] * 5
        assert outbox.pending() == 2
        sender.outcome = lambda _: None
        assert await outbox.deliver_due() is None
        assert sender.calls[5:] == ["a", "b"]
        assert outbox.pending() == 0
        stats = outbox.stats()
        assert (stats.sent, stats.failed, stats.last_sent_at) == (2, 0, clock.now)
        assert stats.failures[MailErrorKind.CONNECT] == 5
        await outbox.close()

    run(test)
    messages = [r.getMessage() for r in caplog.records if r.name == "collector.notify.outbox"]
    assert len([m for m in messages if "mail (mail.test:587) cannot take messages" in m]) == 1
    assert len([m for m in messages if "mail (mail.test:587) takes messages again" in m]) == 1


def test_a_new_kind_of_failure_is_logged_once_more(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    clock, sender = FakeClock(), FakeSender()

    async def test() -> None:
        outbox = mail_outbox(tmp_path / "mail.sqlite3", sender, SETTINGS, clock=clock)
        await outbox.open()
        await outbox.enqueue(mail("a"))
        for kind in (MailErrorKind.CONNECT, MailErrorKind.CONNECT, MailErrorKind.AUTH,
                     MailErrorKind.AUTH):
            sender.outcome = lambda _, kind=kind: MailError(kind, "no")
            retry_at = await outbox.deliver_due()
            assert retry_at is not None
            clock.now = retry_at
        await outbox.close()

    run(test)
    logged = [r.getMessage() for r in caplog.records if "cannot take messages" in r.getMessage()]
    assert [m.split("(")[2].split(":")[0] for m in logged] == ["connect", "auth"]


def test_permanent_refusal_is_kept_as_failed_counted_and_not_tried_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock, sender = FakeClock(), FakeSender()

    async def test() -> None:
        outbox = mail_outbox(tmp_path / "mail.sqlite3", sender, SETTINGS, clock=clock)
        await outbox.open()
        await outbox.enqueue(mail("refused"))
        await outbox.enqueue(mail("fine"))
        sender.outcome = lambda m: (MailError(MailErrorKind.REJECTED, "554 'no'", permanent=True)
                                    if m.subject == "refused" else None)
        assert await outbox.deliver_due() is None
        assert await outbox.deliver_due() is None
        assert sender.calls == ["refused", "fine"]
        assert outbox.status("<refused@example.org>") is MailStatus.FAILED
        assert outbox.status("<fine@example.org>") is MailStatus.SENT
        stats = outbox.stats()
        assert (stats.pending, stats.sent, stats.failed) == (0, 1, 1)
        assert stats.failures[MailErrorKind.REJECTED] == 1
        await outbox.close()

    run(test)
    assert len([r for r in caplog.records if "mail refused 'refused' for good" in r.message]) == 1


def test_a_temporary_refusal_delays_that_mail_only(tmp_path: Path) -> None:
    clock, sender = FakeClock(), FakeSender()

    async def test() -> None:
        outbox = mail_outbox(tmp_path / "mail.sqlite3", sender, SETTINGS, clock=clock)
        await outbox.open()
        await outbox.enqueue(mail("greylisted"))
        await outbox.enqueue(mail("fine"))
        sender.outcome = lambda m: (MailError(MailErrorKind.REJECTED, "451 'later'")
                                    if m.subject == "greylisted" else None)
        assert await outbox.deliver_due() == clock.now + 30
        assert sender.calls == ["greylisted", "fine"]
        assert await outbox.deliver_due() == clock.now + 30
        assert sender.calls == ["greylisted", "fine"]
        clock.now += 30
        sender.outcome = lambda _: None
        assert await outbox.deliver_due() is None
        assert sender.calls == ["greylisted", "fine", "greylisted"]
        assert outbox.pending() == 0
        await outbox.close()

    run(test)


def test_a_new_outbox_on_the_same_file_sends_what_was_pending_and_nothing_twice(
        tmp_path: Path) -> None:
    clock, sender = FakeClock(), FakeSender()
    path = tmp_path / "mail.sqlite3"

    async def test() -> None:
        first = mail_outbox(path, sender, SETTINGS, clock=clock)
        await first.open()
        await first.enqueue(mail("sent-before"))
        assert await first.deliver_due() is None
        sender.outcome = down
        await first.enqueue(mail("pending-1"))
        await first.enqueue(mail("pending-2"))
        assert await first.deliver_due() is not None
        await first.close()

        sender.outcome = lambda _: None
        second = mail_outbox(path, sender, SETTINGS, clock=clock)
        await second.open()
        assert second.pending() == 2
        assert second.stats().last_sent_at == clock.now
        # The engine may hand over the same events again after a restart: stored once.
        assert not await second.enqueue(mail("pending-1"))
        assert await second.deliver_due() is None
        await second.close()

    run(test)
    assert sender.calls == ["sent-before", "pending-1", "pending-1", "pending-2"]


@pytest.mark.parametrize(("sender", "to"), [(None, ("noc@example.org",)), (FakeSender(), ())],
                         ids=["mail-disabled", "no-recipients"])
def test_mails_that_cannot_go_anywhere_are_kept_as_a_record(
        tmp_path: Path, sender: FakeSender | None, to: tuple[str, ...]) -> None:
    async def test() -> None:
        outbox = mail_outbox(tmp_path / "mail.sqlite3", sender, SETTINGS, clock=FakeClock())
        await outbox.start()
        assert await outbox.enqueue(mail("record", to))
        assert outbox.status("<record@example.org>") is MailStatus.NOT_SENT
        assert outbox.pending() == 0
        await outbox.stop()

    run(test)
    if sender is not None:
        assert sender.calls == []


def test_the_sender_task_delivers_what_is_enqueued(tmp_path: Path) -> None:
    sender = FakeSender()

    async def test() -> None:
        outbox = mail_outbox(tmp_path / "mail.sqlite3", sender, SETTINGS)
        await outbox.start()
        await outbox.enqueue(mail("a"))
        await async_wait_until(lambda: outbox.stats().sent == 1, timeout=5, what="a sent mail")
        await outbox.stop()

    run(test)
    assert sender.calls == ["a"]
