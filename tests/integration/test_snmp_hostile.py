"""Devices that answer garbage, OIDs that never end or go back, or huge strings: each poll
ends within its interval with the failure named (never a success with part of the series),
nothing is kept whole, and a good device polled beside them keeps its pace."""

from __future__ import annotations

import asyncio
import time

import pytest

from collector.config import parse_config_text
from collector.snmp.client import MAX_OCTETS, SnmpErrorKind
from collector.snmp.poller import SnmpPoller
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
    from pysnmp.proto import rfc1902

    from collector.snmp.client import _convert

    assert _convert(rfc1902.OctetString(b"x" * 60_000)) == b"x" * MAX_OCTETS

    async def scenario():
        result, took = await poll_once("huge")
        assert result.error is None, result
        assert result.samples and took <= INTERVAL

    asyncio.run(scenario())
