"""The probe registry: every kind found in collector/probes, its schedule of frozen specs, and
the exposition it names."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from collector.config import parse_config_text
from collector.probes import kinds

pytestmark = pytest.mark.unit

CONFIG = """
icmp: {interval: 10s, jitter: 1s}
auths: {lab: {version: 2c, community: public}}
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [198.18.0.1, 198.18.0.2]}]
    devices: [{name: router, address: 198.18.0.1, auth: lab, interval: 20s}]
  - name: opd
    interval: 30s
    links:
      - {name: fo, kind: fiber, parent: core, targets: [198.18.1.1]}
      - {name: backup, kind: wireless, parent: core, targets: [198.18.1.1, 198.18.1.2]}
"""


def test_icmp_and_snmp_are_registered_each_with_an_exposition():
    found = kinds()
    assert set(found) >= {"icmp", "snmp"}
    for kind in found.values():
        assert kind.exposition is not None
        assert callable(importlib.import_module(kind.exposition).build_collector)


def test_every_scheduled_target_has_a_unique_key_and_a_frozen_spec():
    config = parse_config_text(CONFIG, "test.yml")
    scheduled = [target for kind in kinds().values() for target in kind.schedule(config)]
    assert len({t.key for t in scheduled}) == len(scheduled)
    for target in scheduled:
        assert dataclasses.is_dataclass(target.spec)
        with pytest.raises(dataclasses.FrozenInstanceError):
            target.spec.site = "elsewhere"
    by_key = {t.key: t for t in scheduled}
    opd = by_key["icmp:opd"]
    # A site's round pings each of its targets once, at the site's own interval.
    assert (opd.interval, opd.spec.targets) == (30.0, ("198.18.1.1", "198.18.1.2"))
    assert (opd.jitter, opd.first_within) == (1.0, 1.0)
    router = by_key["snmp:core/router"]
    assert (router.interval, router.spec.site, router.spec.device) == (20.0, "core", "router")
