"""What a reload logs as changed: named sites, agents, groups and channels; settings by key;
secrets compared and never shown."""

from __future__ import annotations

import pytest

from collector.config import parse_config_text
from collector.config.changes import describe, needing_restart

pytestmark = pytest.mark.unit

BASE = """
collector: {listen: "127.0.0.1:9147", data_dir: /var/lib/pantau}
alerting: {group_window: 30s}
agents:
  clients:
    - {name: opd1-server, site: opd1, token: first-token-0123456789}
    - {name: opd2-server, site: opd2, token: other-token-0123456789}
mail:
  groups: {central: [noc@example.org]}
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [192.0.2.1]}]
  - name: opd1
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]
  - name: opd2
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.3]}]
"""


def changes(after: str) -> list[str]:
    return describe(parse_config_text(BASE, "a.yml"), parse_config_text(after, "b.yml"))


def test_nothing_changed_says_nothing():
    assert changes(BASE) == []


def test_sites_added_removed_and_changed_by_name_and_part():
    after = BASE.replace("- name: opd2", "- name: opd3").replace(
        "targets: [192.0.2.2]}]", "targets: [192.0.2.9]}]\n    title: OPD Satu")
    after = after.replace("site: opd2", "site: opd3")
    assert changes(after) == ["sites added: opd3", "sites removed: opd2",
                              "sites changed: opd1 (title, links)",
                              "agents changed: opd2-server (site)"]


def test_a_new_token_is_named_and_never_shown():
    lines = changes(BASE.replace("first-token-0123456789", "second-token-0123456789"))
    assert lines == ["agents changed: opd1-server (token)"]
    assert "token-0123456789" not in "".join(lines)


def test_settings_by_key_and_those_that_wait_for_a_start():
    after = BASE.replace("group_window: 30s", "group_window: 1m").replace(
        "127.0.0.1:9147", "127.0.0.1:9148").replace(
        "central: [noc@example.org]", "central: [noc@example.org], opd1: [a@example.org]")
    assert changes(after) == ["mail groups added: opd1",
                              "settings changed: collector.listen (at the next start), "
                              "alerting.group_window"]
    assert needing_restart(parse_config_text(BASE, "a.yml"),
                           parse_config_text(after, "b.yml")) == ["collector.listen"]


def test_channels_by_name():
    after = BASE + "telegram: {enabled: true, token: 123:abc, groups: {central: [-1001]}}\n"
    assert changes(after) == ["channels changed: telegram"]


def test_satellites_by_name():
    after = BASE + "satellites: {clients: [{name: mamuju, token: sat-token-0123456789}]}\n"
    assert changes(after) == ["satellites added: mamuju"]
