"""The alerting service's watch over agents: silence, return and reboots become notifications,
and an agent silent because its site is cut off is not mailed on its own."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import OutageLog
from collector.alerting.service import AlertService
from collector.config import parse_config_text
from collector.snmp.state import RebootEvent, SnmpState
from collector.state import LinkState, StateStore, Transition

pytestmark = pytest.mark.unit

CONFIG = """
alerting: {group_window: 5s}
agents:
  clients: [{name: web, site: opd, token: a-long-enough-token-1234}]
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [192.0.2.1]}]
  - name: opd
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]
"""


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Registry:
    """Stands in for the ingest registry: which agents are up, and their current report."""

    def __init__(self) -> None:
        self.is_up = True
        self.boot_time = 1_700_000_000.0
        self.records = {"web": SimpleNamespace(
            site="opd", current=SimpleNamespace(boot_time=self.boot_time))}

    def up(self, record) -> bool:
        return self.is_up


@pytest.fixture
def service(tmp_path):
    config = parse_config_text(CONFIG, "test.yml")
    clock = Clock()
    registry = Registry()
    ingest = SimpleNamespace(registry=registry, report_log=None)
    sent: list = []

    async def sink(notifications):
        sent.extend(notifications)

    log = OutageLog(tmp_path / "outages.sqlite")
    service = AlertService(config, StateStore(config, clock=clock), SnmpState(config),
                           ingest, log, sink, clock=clock)
    yield service, clock, registry, sent
    log.close()


def tick(service, clock, seconds):
    due = []
    for _ in range(int(seconds)):
        clock.now += 1
        service._watch_agents()
        due += service.engine.tick()
    return due


def test_silent_agent_and_its_return_are_notified(service):
    service, clock, registry, _ = service
    assert tick(service, clock, 2) == []
    registry.is_up = False
    due = tick(service, clock, 10)
    assert [(n.kind, n.site) for n in due] == [(EventKind.AGENT_SILENT, "opd")]
    registry.is_up = True
    due = tick(service, clock, 10)
    assert [n.kind for n in due] == [EventKind.AGENT_BACK]


def test_agent_silent_behind_a_cut_is_told_by_the_outage_mail_only(service):
    service, clock, registry, _ = service
    tick(service, clock, 2)
    service.transitions([Transition("opd", None, LinkState.UP, LinkState.DOWN, clock.now)])
    registry.is_up = False
    due = tick(service, clock, 10)
    assert [n.kind for n in due] == [EventKind.DOWN]


def test_server_and_router_reboots_are_notified(service):
    service, clock, registry, _ = service
    tick(service, clock, 2)
    registry.records["web"].current = SimpleNamespace(boot_time=clock.now - 30)
    service.reboot(RebootEvent("core", "router", clock.now, clock.now - 60, 86400.0))
    due = tick(service, clock, 10)
    assert sorted((n.kind, n.site) for n in due) == [
        (EventKind.REBOOT, "core"), (EventKind.REBOOT, "opd")]


def test_what_falls_due_while_stopping_still_goes_out(service):
    service, clock, _, sent = service
    service.transitions([Transition("opd", None, LinkState.UP, LinkState.DOWN, clock.now)])
    clock.now += 10
    asyncio.run(service.stop())
    assert [n.kind for n in sent] == [EventKind.DOWN]
