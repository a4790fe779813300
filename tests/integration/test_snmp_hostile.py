"""Devices that answer garbage, OIDs that never end or go back, or huge strings: each poll
ends within its interval with the failure named (never a success with part of the series),
nothing is kept whole, and a good device polled beside them keeps its pace."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from pyasn1.type import univ
from pysnmp.proto import rfc1902, rfc1905

from collector.config import parse_config_text
from collector.exposition.page import MetricsPage
from collector.exposition.snmp import SnmpText
from collector.snmp.client import MAX_OCTETS, SnmpErrorKind
from collector.snmp.poller import SnmpPoller
from collector.snmp.samples import MAX_LABEL_LENGTH
from collector.snmp.state import SnmpState
from tests.support.hostile_snmp import HostileAgent

pytestmark = pytest.mark.integration

INTERVAL = 3.0


def config_for(ports: dict[str, int]):
    devices = "\n".join(
        f"      - {{name: {name}, address: 127.0.0.1, port: {port}, auth: v2}}"
        for name, port in ports.items())
    return parse_config_text(f"""
auths: {{v2: {{version: 2c, community: public}}}}
snmp: {{interval: {INTERVAL}s, timeout: 300ms, retries: 0}}
sites:
  - name: lab
    links: [{{name: lan, kind: fiber, targets: [127.0.0.1]}}]
    devices:
{devices}
""", "test.yml")


async def poll_once(mode: str):
    """One poll of a hostile device in ``mode``, and how long it took."""
    agent = await HostileAgent(mode).start()
    poller = SnmpPoller(config_for({mode: agent.port}))
    try:
        started = time.monotonic()
        result = await poller.poll("lab", mode)
        return result, time.monotonic() - started
    finally:
        poller.close()
        agent.close()


@pytest.mark.parametrize(("mode", "kind", "says"), [
    ("growing", SnmpErrorKind.TIMEOUT, "did not finish within its interval (3 s)"),
    ("going_back", SnmpErrorKind.MALFORMED, "do not increase"),
    ("garbage", SnmpErrorKind.TIMEOUT, ""),
])
def test_a_hostile_device_fails_its_poll_in_time_with_the_failure_named(mode, kind, says):
    async def scenario():
        result, took = await poll_once(mode)
        assert result.error is kind, result
        assert says in result.detail
        assert result.samples == ()
        assert took <= INTERVAL + 0.5

    asyncio.run(scenario())


def test_a_table_that_never_ends_is_malformed_past_the_row_bound(monkeypatch):
    from collector.snmp import client

    monkeypatch.setattr(client, "MAX_ROWS", 50)

    async def scenario():
        result, _ = await poll_once("growing")
        assert result.error is SnmpErrorKind.MALFORMED
        assert "has more than 50 rows" in result.detail and result.samples == ()

    asyncio.run(scenario())


def test_a_huge_string_is_cut_short_and_the_poll_goes_on():
    from collector.snmp.client import _convert

    assert _convert(rfc1902.OctetString(b"x" * 60_000)) == b"x" * MAX_OCTETS

    async def scenario():
        result, took = await poll_once("huge")
        assert result.error is None, result
        assert result.samples and took <= INTERVAL

    asyncio.run(scenario())


VALUES = st.one_of(
    st.integers(-2**31, 2**31 - 1).map(rfc1902.Integer32),
    st.binary(max_size=2000).map(rfc1902.OctetString),
    st.integers(0, 2**32 - 1).map(rfc1902.Counter32),
    st.integers(0, 2**64 - 1).map(rfc1902.Counter64),
    st.integers(0, 2**32 - 1).map(rfc1902.Gauge32),
    st.integers(0, 2**32 - 1).map(rfc1902.TimeTicks),
    st.binary(min_size=4, max_size=4).map(rfc1902.IpAddress),
    st.lists(st.integers(0, 2**32 - 1), min_size=2, max_size=40).map(
        lambda arcs: rfc1902.ObjectName((1, 3, *arcs))),
    # Built, not sampled: these pyasn1 values cannot be hashed.
    st.builds(lambda: rfc1905.noSuchObject), st.builds(lambda: rfc1905.noSuchInstance),
    st.builds(lambda: rfc1905.endOfMibView), st.builds(lambda: univ.Null("")),
)
MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 4096), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 4096)),
    st.tuples(st.just("insert"), st.integers(0, 4096), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("random"), st.binary(max_size=1500)),
)


def mutator(mutation: tuple) -> Callable[[bytes], bytes]:
    kind, *args = mutation

    def mutate(data: bytes) -> bytes:
        if kind == "random":
            return args[0]
        at = args[0] % (len(data) + 1)
        if kind == "flip":
            return data[:at] + bytes([data[at % len(data)] ^ args[1]]) + data[at + 1:]
        if kind == "cut":
            return data[:at]
        return data[:at] + args[1] + data[at:]

    return mutate


def poll_answered(agent: HostileAgent):
    """One poll of ``agent`` (short timeout, no retry), how long it took, and /metrics' SNMP
    part written from it."""
    async def scenario():
        await agent.start()
        config = config_for({"odd": agent.port})
        poller, state = SnmpPoller(config), SnmpState(config)
        page = MetricsPage()
        page.add("snmp", SnmpText(state))
        try:
            started = time.monotonic()
            result = await poller.poll("lab", "odd")
            took = time.monotonic() - started
        finally:
            poller.close()
            agent.close()
        state.record(result)
        return result, took, page

    return asyncio.run(scenario())


def check_poll(result, took: float, page: MetricsPage) -> None:
    """What every answer must come to: a poll that ends in time, either a success whose values
    are finite numbers with bounded labels, or a named failure with no series; and a page
    that renders, parsed by the strict OpenMetrics parser."""
    assert took <= INTERVAL + 0.5
    assert result.error is None or isinstance(result.error, SnmpErrorKind)
    if result.error is not None:
        assert result.samples == ()
    for sample in result.samples:
        assert math.isfinite(sample.value), sample
        assert all(len(value) <= MAX_LABEL_LENGTH for _, value in sample.labels), sample
    body, _ = page.render("application/openmetrics-text;version=1.0.0")
    assert page.errors.counts["snmp"] == 0
    families = list(openmetrics_families(body.decode()))
    assert any(f.name == "pantau_snmp_polls" for f in families)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VALUES, min_size=1, max_size=12))
def test_any_values_of_any_type_give_a_named_result_and_a_page_that_renders(values):
    check_poll(*poll_answered(HostileAgent("typed", values=values)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_damaged_answers_give_a_named_result_and_a_page_that_renders(mutation):
    check_poll(*poll_answered(HostileAgent("mutate", mutate=mutator(mutation))))
