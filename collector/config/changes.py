"""What a reload changes: the config before and after, told in a few lines for the log.

Sites, agents, mail groups and channels are named one by one (added, removed, changed and
in what); settings by their keys (``alerting.group_window``). Secrets are compared, never
shown. Some settings are held by what the collector opened at its start (its listening
socket, its data directory): a change of them is named, and takes effect at the next start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from collector.config.model import CollectorConfig

AT_RESTART = ("collector.listen", "collector.data_dir", "collector.tls_cert_file",
              "collector.tls_key_file", "core")
"""Settings a reload cannot change in a running collector: they take effect at its next
start."""

_TOLD_APART = frozenset({"agents.clients", "satellites.clients", "mail.groups",
                         "mail.enabled", "mail.smtp", "mail.sender", "mail.retry", "telegram",
                         "webhook"})
"""Named one by one (agents, satellites, groups) or as channels, not as settings."""


def _fields(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}


def _differing(old: BaseModel, new: BaseModel) -> list[str]:
    """Fields of two models of one type that differ, by name."""
    return [name for name, value in _fields(old).items() if getattr(new, name) != value]


def _named(what: str, old: Mapping[str, Any], new: Mapping[str, Any],
           parts: bool = True) -> list[str]:
    lines = []
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    if added:
        lines.append(f"{what} added: {', '.join(added)}")
    if removed:
        lines.append(f"{what} removed: {', '.join(removed)}")
    changed = []
    for name, value in new.items():
        before = old.get(name)
        if before is None or before == value:
            continue
        if parts and isinstance(value, BaseModel):
            changed.append(f"{name} ({', '.join(_differing(before, value))})")
        else:
            changed.append(name)
    if changed:
        lines.append(f"{what} changed: {', '.join(changed)}")
    return lines


def channel_settings(config: CollectorConfig) -> dict[str, tuple[Any, ...]]:
    """What each channel is made from: a channel whose settings are equal goes on as it is."""
    mail = config.mail
    return {"mail": (mail.enabled, mail.smtp, mail.sender, mail.retry),
            "telegram": (config.telegram,), "webhook": (config.webhook,)}


def describe(old: CollectorConfig, new: CollectorConfig) -> list[str]:
    """The changes from ``old`` to ``new``, one line each; empty when there are none."""
    lines = _named("sites", {s.name: s for s in old.sites}, {s.name: s for s in new.sites})
    lines += _named("agents", {a.name: a for a in old.agents.clients},
                    {a.name: a for a in new.agents.clients})
    lines += _named("satellites", {c.name: c for c in old.satellites.clients},
                    {c.name: c for c in new.satellites.clients})
    lines += _named("mail groups", old.mail.groups, new.mail.groups, parts=False)
    before, after = channel_settings(old), channel_settings(new)
    changed_channels = [name for name in after if before[name] != after[name]]
    if changed_channels:
        lines.append(f"channels changed: {', '.join(changed_channels)}")
    settings = []
    for section in _differing(old, new):
        if section == "sites" or section in _TOLD_APART:
            continue
        old_section, new_section = getattr(old, section), getattr(new, section)
        if not isinstance(new_section, BaseModel) or not isinstance(old_section, BaseModel):
            settings.append(section + (" (at the next start)" if section in AT_RESTART
                                       else ""))
            continue
        fields = type(new_section).model_fields
        for key in _differing(old_section, new_section):
            path = f"{section}.{key}"
            if path in _TOLD_APART:
                continue
            shown = f"{section}.{fields[key].alias or key}"
            settings.append(shown + (" (at the next start)" if path in AT_RESTART
                                     or section in AT_RESTART else ""))
    if settings:
        lines.append(f"settings changed: {', '.join(settings)}")
    return lines


def _setting(config: CollectorConfig, path: str) -> Any:
    section, _, key = path.partition(".")
    value = getattr(config, section)
    return getattr(value, key) if key else value


def needing_restart(old: CollectorConfig, new: CollectorConfig) -> list[str]:
    """The settings in AT_RESTART that differ."""
    return [path for path in AT_RESTART if _setting(old, path) != _setting(new, path)]


def keeping(old: CollectorConfig, new: CollectorConfig, paths: list[str]) -> CollectorConfig:
    """``new`` with ``old``'s values of ``paths`` (settings of AT_RESTART)."""
    collector = {path.split(".", 1)[1]: _setting(old, path) for path in paths
                 if path.startswith("collector.")}
    top = {path: _setting(old, path) for path in paths if "." not in path}
    return new.model_copy(update={**top, "collector": new.collector.model_copy(
        update=collector)})
