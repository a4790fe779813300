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
alerting: {group_window: 5s, recovery_hold: 5s}
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
            site="opd", live_at=Clock.now, current=SimpleNamespace(boot_time=self.boot_time))}

    def up(self, record) -> bool:
        return self.is_up


class Lab:
    """The service over a real outage log in ``tmp_path``; ``restart()`` makes a new one on
    the same log, as a restarted collector does."""

    def __init__(self, tmp_path) -> None:
        self.config = parse_config_text(CONFIG, "test.yml")
        self.clock = Clock()
        self.registry = Registry()
        self.sent: list = []
        self.path = tmp_path / "outages.sqlite"
        self.logs: list[OutageLog] = []
        self.service = self.make()

    def make(self) -> AlertService:
        async def sink(notifications):
            self.sent.extend(notifications)

        log = OutageLog(self.path)
        self.logs.append(log)
        ingest = SimpleNamespace(registry=self.registry, report_log=None)
        return AlertService(self.config, StateStore(self.config, clock=self.clock),
                            SnmpState(self.config), ingest, log, sink, clock=self.clock)

    def restart(self) -> AlertService:
        self.service = self.make()
        return self.service


@pytest.fixture
def lab(tmp_path):
    lab = Lab(tmp_path)
    yield lab
    for log in lab.logs:
        log.close()


@pytest.fixture
def service(lab):
    return lab.service, lab.clock, lab.registry, lab.sent


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


def test_first_contact_and_a_restart_with_healthy_agents_send_nothing(lab):
    lab.registry.is_up = False
    lab.registry.records["web"].live_at = None
    assert tick(lab.service, lab.clock, 20) == []  # within agents.silence of the start
    lab.registry.is_up = True
    lab.registry.records["web"].live_at = lab.clock.now
    assert tick(lab.service, lab.clock, 20) == []  # first contact is no "agent back"
    lab.restart()
    lab.registry.is_up = False
    lab.registry.records["web"].live_at = None
    assert tick(lab.service, lab.clock, 20) == []
    lab.registry.is_up = True
    lab.registry.records["web"].live_at = lab.clock.now
    assert tick(lab.service, lab.clock, 20) == []


def test_an_agent_never_heard_is_silent_after_the_silence_time_from_the_start(lab):
    lab.registry.is_up = False
    lab.registry.records["web"].live_at = None
    due = tick(lab.service, lab.clock, 70)
    assert [(n.kind, n.agent) for n in due] == [(EventKind.AGENT_SILENT, "web")]
    assert tick(lab.service, lab.clock, 100) == []  # once


def test_agent_back_after_a_restart_only_if_its_silence_was_told(lab):
    tick(lab.service, lab.clock, 2)
    lab.registry.is_up = False
    assert [n.kind for n in tick(lab.service, lab.clock, 10)] == [EventKind.AGENT_SILENT]
    lab.restart()
    lab.registry.records["web"].live_at = None
    assert tick(lab.service, lab.clock, 100) == []  # its silence was told before the restart
    lab.registry.is_up = True
    lab.registry.records["web"].live_at = lab.clock.now
    assert [n.kind for n in tick(lab.service, lab.clock, 10)] == [EventKind.AGENT_BACK]
    lab.restart()
    assert tick(lab.service, lab.clock, 100) == []


def test_agent_silent_behind_a_cut_is_told_by_the_outage_mail_only(service):
    service, clock, registry, _ = service
    tick(service, clock, 2)
    service.transitions([Transition("opd", None, LinkState.UP, LinkState.DOWN, clock.now)])
    registry.is_up = False
    due = tick(service, clock, 10)
    assert [n.kind for n in due] == [EventKind.DOWN]
    # Nor is its return after the cut news: no silence was told.
    registry.is_up = True
    service.transitions([Transition("opd", None, LinkState.DOWN, LinkState.UP, clock.now)])
    assert [n.kind for n in tick(service, clock, 10)] == [EventKind.RECOVERED]


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
