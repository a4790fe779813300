"""Outage mail: rendering notifications, the persistent outbox, and the SMTP adapter."""

from collector.mail.errors import MailError, MailErrorKind
from collector.mail.message import Mail
from collector.mail.outbox import FILE_NAME, Outbox, OutboxStats
from collector.mail.render import render
from collector.mail.smtp import SmtpSender
from collector.mail.store import MailStatus

__all__ = ["FILE_NAME", "Mail", "MailError", "MailErrorKind", "MailStatus", "Outbox",
           "OutboxStats", "SmtpSender", "render"]
