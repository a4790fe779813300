"""A mail outbox of its own file, as the collector builds it into the one outbox: the mail
channel over a sender (None: mail disabled)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from collector.config.mail import MailSettings
from collector.mail import MailChannel, MailOutbox, Sender
from collector.notify.outbox import Outbox


def mail_outbox(path: Path, sender: Sender | None, settings: MailSettings,
                clock: Callable[[], float] = time.time) -> MailOutbox:
    channel = MailChannel(sender) if sender is not None else None
    return MailOutbox(Outbox(path, [channel] if channel else [], first=settings.retry.first,
                             maximum=settings.retry.max, clock=clock), channel)
