"""A rendered mail: what the outbox stores and the SMTP adapter sends."""

from __future__ import annotations

import email.utils
import json
from dataclasses import asdict, dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Mail:
    sender: str
    to: tuple[str, ...]
    """Deduplicated; empty when nobody is configured to get this mail."""
    subject: str
    text: str
    html: str | None
    headers: tuple[tuple[str, str], ...]
    """Extra headers for mail rules (X-Pantau-*), in order."""
    message_id: str
    """Derived from the content: the same events give the same Message-ID, so a mail sent
    again after a crash is recognisably the same one."""
    date: float
    """Unix time of the latest event in the mail."""

    def to_email_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        if self.to:
            message["To"] = ", ".join(self.to)
        message["Subject"] = self.subject
        message["Date"] = email.utils.formatdate(self.date)
        message["Message-ID"] = self.message_id
        # RFC 3834: tells vacation responders and ticket systems not to answer.
        message["Auto-Submitted"] = "auto-generated"
        for name, value in self.headers:
            message[name] = value
        message.set_content(self.text)
        if self.html is not None:
            message.add_alternative(self.html, subtype="html")
        return message

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Mail:
        data = json.loads(text)
        return cls(**{**data, "to": tuple(data["to"]),
                      "headers": tuple((name, value) for name, value in data["headers"])})
