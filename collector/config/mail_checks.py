"""Rules across fields for mail: known notify groups, what sending needs, credentials in pairs,
and a retry backoff that grows."""

from __future__ import annotations

from collector.config.durations import format_duration
from collector.config.mail import CENTRAL_GROUP
from collector.config.model import CollectorConfig
from collector.config.yaml_model import Loc


def mail_problems(config: CollectorConfig) -> list[tuple[Loc, str]]:
    mail = config.mail
    problems: list[tuple[Loc, str]] = []
    defined = f"defined: {', '.join(mail.groups)}" if mail.groups else "mail.groups is empty"
    for i, site in enumerate(config.sites):
        for j, group in enumerate(site.notify):
            if group not in mail.groups:
                problems.append((("sites", i, "notify", j),
                                 f"'{group}' is not defined ({defined})"))
    smtp = mail.smtp
    if smtp.username is not None and smtp.password is None:
        problems.append((("mail", "smtp", "username"), "needs password as well"))
    if smtp.password is not None and smtp.username is None:
        problems.append((("mail", "smtp", "password"), "needs username as well"))
    if mail.retry.max < mail.retry.first:
        first, most = format_duration(mail.retry.first), format_duration(mail.retry.max)
        problems.append((("mail", "retry", "max"),
                         f"must be at least mail.retry.first {first} (got {most})"))
    if mail.enabled:
        if smtp.host is None:
            problems.append((("mail", "enabled"), "needs mail.smtp.host (the mail server)"))
        if mail.sender is None:
            problems.append((("mail", "enabled"), "needs mail.from (the sender's address)"))
        notified = {group for site in config.sites for group in site.notify}
        if CENTRAL_GROUP not in mail.groups and not notified & set(mail.groups):
            problems.append((("mail", "enabled"), "needs at least one recipient: a group "
                             "named central in mail.groups, or a site whose notify names one"))
    return problems
