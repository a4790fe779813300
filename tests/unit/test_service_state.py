"""Service states from check results with hysteresis, and unreachable while the site is out."""

from __future__ import annotations

import pytest

from collector.config import parse_config_text
from collector.icmp import PingResult
from collector.state import StateStore
from collector.state.services import ServiceResult, ServiceState
from collector.state.services import ServiceStateKind as S

pytestmark = pytest.mark.unit

CONFIG = """
state: {down_after: 2, up_after: 2}
sites:
  - name: bkd
    links: [{name: fo, kind: fiber, targets: [198.18.0.2]}]
    services:
      - {kind: http, name: simpeg, url: "https://simpeg.example.org/", degraded_latency: 2s,
         warn_days: 14, down_after: 2, up_after: 2}
"""
NOW = 1_800_000_000.0


def result(failure=None, duration=0.2, expires_in_days=100.0):
    return ServiceResult("bkd", "simpeg", "http", NOW, duration, failure,
                         cert_expiry=NOW + expires_in_days * 86400)


@pytest.fixture
def world():
    config = parse_config_text(CONFIG, "test.yml")
    store = StateStore(config, clock=lambda: NOW)
    store.record_round("bkd", {"198.18.0.2": PingResult("198.18.0.2", 1, 1, (0.001,))}, 0.1)
    return ServiceState(config, store, clock=lambda: NOW), store


def feed(state, results):
    seen = []
    for each in results:
        state.record(each)
        seen.append(state.services[("bkd", "simpeg")].state)
    return seen


def test_up_then_down_after_two_failures_and_back_after_two_good_checks(world):
    state, _ = world
    assert feed(state, [result(), result("status"), result("status"), result(), result()]) == [
        S.UP, S.UP, S.DOWN, S.DOWN, S.UP]


@pytest.mark.parametrize(("check", "expected"), [
    (result(duration=2.5), S.DEGRADED),
    (result(expires_in_days=13), S.DEGRADED),
    (result(expires_in_days=15), S.UP),
])
def test_slow_or_an_expiring_certificate_is_degraded(world, check, expected):
    state, _ = world
    assert feed(state, [check]) == [expected]


def test_unreachable_while_its_site_is_cut(world):
    state, store = world
    lost = {"198.18.0.2": PingResult("198.18.0.2", 1, 0, ())}
    for _ in range(3):
        store.record_round("bkd", lost, 0.1)
    assert feed(state, [result("connect"), result("connect")]) == [S.UNREACHABLE, S.UNREACHABLE]
