"""The mail outbox of earlier versions (`mail.sqlite3` in the data directory), moved into the
one outbox at start: every mail with what became of it, so that one waiting goes out once and
one already sent is not sent again. The old file is kept beside, renamed `.moved`; one that
cannot be read is set aside as `.unreadable` (logged), and the collector starts all the same.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from collector.mail.channel import mail_message
from collector.mail.message import Mail
from collector.notify.store import MessageStatus, MessageStore, StoredMessage

log = logging.getLogger(__name__)

OLD_FILE_NAME = "mail.sqlite3"


def move_old_mails(data_dir: Path, outbox: Path) -> int:
    """Move the mails of ``data_dir``'s old mail outbox into the outbox file ``outbox``
    (before the outbox opens it); how many were new to it."""
    old = data_dir / OLD_FILE_NAME
    if not old.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{old}?mode=rw", uri=True)
        try:
            rows = db.execute("SELECT mail, status, created_at, attempts, last_error, done_at "
                              "FROM mails ORDER BY id").fetchall()
        finally:
            db.close()
        records = [StoredMessage(mail_message(Mail.from_json(text)), MessageStatus(status),
                                 created_at, attempts, last_error, done_at)
                   for text, status, created_at, attempts, last_error, done_at in rows]
    except (sqlite3.Error, ValueError, TypeError, KeyError) as err:
        aside = _set_aside(old, ".unreadable")
        log.error("the old mail outbox %s cannot be read (%s): set aside as %s; mails that "
                  "waited in it are not sent", old, err, aside.name)
        return 0
    store = MessageStore(outbox)
    store.open()
    try:
        added = store.restore(records)
    finally:
        store.close()
    aside = _set_aside(old, ".moved")
    waiting = sum(1 for r in records if r.status is MessageStatus.PENDING)
    log.info("moved %d mails (%d waiting to be sent) from %s into %s; the old file is kept "
             "as %s", added, waiting, old.name, outbox.name, aside.name)
    return added


def _set_aside(path: Path, suffix: str) -> Path:
    target = path.with_name(path.name + suffix)
    path.rename(target)
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            side.rename(target.with_name(target.name + extra))
    return target
