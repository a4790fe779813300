"""A data directory of an earlier version, whose mails lived in `mail.sqlite3`: they move into
the one outbox with what became of them, once; a file that cannot be read is set aside."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from collector.config.mail import MailSettings
from collector.mail import MailStatus
from collector.mail.legacy import move_old_mails
from collector.notify import FILE_NAME
from tests.support.mail_outbox import mail_outbox
from tests.unit.test_mail_outbox import FakeClock, FakeSender, mail

pytestmark = pytest.mark.unit

SETTINGS = MailSettings.model_validate({"retry": {"first": "30s", "max": "5m"}})

# The earlier version's file, as it wrote it.
OLD_SCHEMA = """
CREATE TABLE mails (
    id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, mail TEXT NOT NULL,
    status TEXT NOT NULL, created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '', done_at REAL);
CREATE INDEX mails_by_status ON mails (status, id);
"""


def old_outbox(data_dir: Path, rows: list[tuple[str, str, float | None]]) -> Path:
    path = data_dir / "mail.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_SCHEMA)
    for name, status, done_at in rows:
        each = mail(name)
        db.execute("INSERT INTO mails (message_id, mail, status, created_at, attempts, "
                   "last_error, done_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (each.message_id, each.to_json(), status, 1_699_999_000.0,
                    2 if status == "pending" else 0, "connect: refused" if done_at is None
                    else "", done_at))
    db.commit()
    db.close()
    return path


def test_waiting_mails_go_out_once_and_sent_ones_are_not_sent_again(tmp_path):
    old = old_outbox(tmp_path, [("sent-before", "sent", 1_699_999_100.0),
                                ("refused-before", "failed", 1_699_999_200.0),
                                ("waiting", "pending", None)])
    outbox_path = tmp_path / FILE_NAME
    assert move_old_mails(tmp_path, outbox_path) == 3
    assert not old.exists() and (tmp_path / "mail.sqlite3.moved").exists()
    assert move_old_mails(tmp_path, outbox_path) == 0  # nothing left to move
    sender = FakeSender()

    async def test():
        outbox = mail_outbox(outbox_path, sender, SETTINGS, clock=FakeClock())
        await outbox.open()
        assert outbox.pending() == 1
        assert outbox.stats().last_sent_at == 1_699_999_100.0
        assert outbox.status("<refused-before@example.org>") is MailStatus.FAILED
        # The engine may hand over the same events again after the restart: stored once.
        assert not await outbox.enqueue(mail("sent-before"))
        assert await outbox.deliver_due() is None
        assert outbox.status("<waiting@example.org>") is MailStatus.SENT
        await outbox.close()

    asyncio.run(test())
    assert sender.calls == ["waiting"]


def test_an_old_file_that_cannot_be_read_is_set_aside_and_start_goes_on(tmp_path, caplog):
    (tmp_path / "mail.sqlite3").write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.ERROR, logger="collector.mail.legacy"):
        assert move_old_mails(tmp_path, tmp_path / FILE_NAME) == 0
    assert (tmp_path / "mail.sqlite3.unreadable").exists()
    assert not (tmp_path / "mail.sqlite3").exists()
    [record] = caplog.records
    assert "mail.sqlite3 cannot be read" in record.getMessage()


def test_no_old_file_moves_nothing(tmp_path):
    assert move_old_mails(tmp_path, tmp_path / FILE_NAME) == 0
    assert list(tmp_path.iterdir()) == []
