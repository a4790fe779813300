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
    groups = [*mail.groups, *(name for name in config.telegram.groups
                               if name not in mail.groups)]
    groups += [name for name in config.webhook.groups if name not in groups]
    defined = f"defined: {', '.join(groups)}" if groups else "mail.groups is empty"
    for i, site in enumerate(config.sites):
        for j, group in enumerate(site.notify):
            if group not in groups:
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


def channel_problems(config: CollectorConfig) -> list[tuple[Loc, str]]:
    """What the telegram and webhook sections need once enabled, and endpoints that exist."""
    problems: list[tuple[Loc, str]] = []
    notified = {group for site in config.sites for group in site.notify} | {CENTRAL_GROUP}
    telegram = config.telegram
    if telegram.enabled:
        if telegram.token is None:
            problems.append((("telegram", "enabled"), "needs telegram.token (from @BotFather)"))
        if not notified & set(telegram.groups):
            problems.append((("telegram", "enabled"), "needs at least one chat: a group named "
                             "central in telegram.groups, or a site whose notify names one"))
    webhook = config.webhook
    for group, names in webhook.groups.items():
        for j, name in enumerate(names):
            if name not in webhook.endpoints:
                known = ", ".join(webhook.endpoints) or "webhook.endpoints is empty"
                problems.append((("webhook", "groups", group, j),
                                 f"'{name}' is not an endpoint ({known})"))
    if webhook.enabled and not notified & set(webhook.groups):
        problems.append((("webhook", "enabled"), "needs at least one endpoint for a group: "
                         "central in webhook.groups, or a group a site's notify names"))
    return problems
