"""Outage mail: rendering notifications, the mail channel of the one outbox, and the SMTP
adapter."""

from collector.mail.channel import MailChannel, Sender
from collector.mail.errors import MailError, MailErrorKind
from collector.mail.message import Mail
from collector.mail.outbox import MailOutbox, OutboxStats
from collector.mail.render import render
from collector.mail.smtp import SmtpSender
from collector.notify.store import MessageStatus as MailStatus

__all__ = ["Mail", "MailChannel", "MailError", "MailErrorKind", "MailOutbox", "MailStatus",
           "OutboxStats", "Sender", "SmtpSender", "render"]
