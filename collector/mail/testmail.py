"""The mail `collector test-email` sends: proof that server, TLS, login and recipients work,
in the language outage mails will use. It bypasses the outbox: the operator is waiting for
a verdict, not for a retry."""

from __future__ import annotations

import socket
import time
import uuid

from collector.config import CollectorConfig
from collector.config.mail import CENTRAL_GROUP, check_address
from collector.mail.message import Mail
from collector.mail.render import FALLBACK_SENDER
from collector.mail.smtp import SmtpSender
from collector.words import WORDS, format_time


def recipients_of_test_mail(config: CollectorConfig, to: str | None,
                            group: str = CENTRAL_GROUP) -> tuple[str, ...]:
    """`to` if given, else the group's addresses (central by default)."""
    return (to,) if to else config.mail.groups.get(group, ())


def problems_before_test_mail(config: CollectorConfig, to: str | None,
                              group: str = CENTRAL_GROUP) -> list[str]:
    """Why a test mail cannot even be tried, as `key.path: message` lines (empty: it can)."""
    mail, problems = config.mail, []
    if mail.smtp.host is None:
        problems.append("mail.smtp.host: not set (the mail server to send through)")
    if mail.sender is None:
        problems.append("mail.from: not set (the sender's address)")
    if to is not None:
        try:
            check_address(to)
        except ValueError as err:
            problems.append(f"--to: {err}")
    elif not recipients_of_test_mail(config, to, group):
        hint = "name a recipient with --to" if group == CENTRAL_GROUP else "name another --group"
        problems.append(f"mail.groups.{group}: not set; {hint}")
    return problems


def build_test_mail(config: CollectorConfig, to: tuple[str, ...], server: str) -> Mail:
    mail = config.mail
    words = WORDS[mail.language]
    sender = mail.sender or FALLBACK_SENDER
    at = time.time()
    text = words.test_text.format(host=socket.gethostname(), server=server,
                                  time=format_time(words, at, config.collector.zone))
    return Mail(sender=sender, to=to, subject=words.test_subject, text=text, html=None,
                headers=(("X-Pantau-Event", "test"),),
                message_id=f"<pantau.test.{uuid.uuid4().hex}@{sender.rpartition('@')[2]}>",
                date=at)


async def send_test_mail(config: CollectorConfig, to: str | None,
                         group: str = CENTRAL_GROUP) -> tuple[Mail, tuple[str, ...]]:
    """Send the test mail straight to the server; the mail and the recipients it refused.
    Raises MailError. Call `problems_before_test_mail` first."""
    sender = SmtpSender(config.mail.smtp)
    mail = build_test_mail(config, recipients_of_test_mail(config, to, group), sender.server)
    return mail, tuple(await sender.send(mail))
