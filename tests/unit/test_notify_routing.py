"""Who hears about what on the chat and webhook channels: central and the concerned sites'
groups, each recipient once, one stored message per (channel, recipient, group), nothing for a
channel that is off."""

from __future__ import annotations

import json

import pytest

from collector.alerting.notifications import AffectedSite, EventKind, Notification
from collector.config import parse_config_text
from collector.notify.routing import channel_messages

pytestmark = pytest.mark.unit

CONFIG = """
telegram:
  enabled: %(telegram)s
  token: "123:abc"
  groups: {central: [-1001], bappeda: [-1002, -1001]}
webhook:
  enabled: true
  endpoints:
    tiket: {url: "https://tiket.example.org/hook", secret: s1}
    wa: {url: "https://wa.example.org/am", format: alertmanager}
  groups: {central: [tiket], bappeda: [wa]}
sites:
  - {name: core, links: [{name: lan, kind: fiber, targets: [192.0.2.1]}]}
  - {name: bappeda, notify: [bappeda],
     links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]}
  - {name: dinkes, links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.3]}]}
"""
T0 = 1_800_000_000.0
CUT = Notification(EventKind.DOWN, T0, "core", "Core", started_at=T0 - 60,
                   affected=(AffectedSite("core", "Core", "down"),
                             AffectedSite("bappeda", "Bappeda", "unreachable")))
DINKES = Notification(EventKind.DOWN, T0, "dinkes", "Dinkes", started_at=T0 - 60)


def config(telegram: bool = True):
    return parse_config_text(CONFIG % {"telegram": str(telegram).lower()}, "c.yml")


def test_a_cut_reaches_central_and_the_groups_of_the_sites_behind_it_each_once():
    messages = channel_messages([CUT], config())
    assert [(m.channel, m.recipient) for m in messages] == [
        ("telegram", "-1001"), ("telegram", "-1002"),
        ("webhook", "https://tiket.example.org/hook"), ("webhook", "https://wa.example.org/am")]
    assert len({m.key for m in messages}) == 1  # one group of notifications
    telegram = json.loads(messages[0].payload)
    assert (telegram["chat_id"], telegram["parse_mode"]) == (-1001, "HTML")
    formats = [json.loads(m.payload)["format"] for m in messages[2:]]
    assert formats == ["pantau", "alertmanager"]


def test_a_site_without_groups_reaches_central_only_and_an_off_channel_nothing():
    messages = channel_messages([DINKES], config(telegram=False))
    assert [(m.channel, m.recipient) for m in messages] == [
        ("webhook", "https://tiket.example.org/hook")]


def test_the_same_group_rendered_again_is_the_same_messages():
    assert channel_messages([CUT], config()) == channel_messages([CUT], config())
