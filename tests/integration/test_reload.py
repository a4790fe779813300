"""A restart or a reload of the collector is news to nobody: with seven agents reporting (real
agent processes, a real SMTP server), neither sends a mail, and a reload keeps the agents'
counts. An agent added by a reload that never reports is silent after `agents.silence` from
the reload, not from the start."""

from __future__ import annotations

import os
import signal

import pytest

from tests.e2e.test_alerting import Mailbox
from tests.support.agent_process import AgentProcess
from tests.support.collector_process import CollectorProcess
from tests.support.metrics import samples
from tests.support.smtp_server import SmtpServer, mail_section
from tests.support.tls import make_pki
from tests.support.waiting import wait_until

AGENTS = [f"opd{n}-server" for n in range(1, 8)]
SILENCE = 2.0


def token(name: str) -> str:
    return f"token-of-{name}-0123456789abcdef"


@pytest.fixture
def lab(tmp_path):
    pki = make_pki(tmp_path / "pki")
    with SmtpServer(pki) as smtp:
        sections = {
            "icmp": {"interval": "500ms", "jitter": 0, "echoes": 2, "echo_interval": "20ms",
                     "timeout": "300ms"},
            "alerting": {"group_window": "500ms", "reminder_interval": 0},
            "agents": {"silence": f"{SILENCE}s", "clients": [
                {"name": name, "site": "core", "token": token(name)} for name in AGENTS]},
            "mail": mail_section(smtp, pki.ca_file),
            "sites": [{"name": "core", "title": "Kantor Gubernur", "interval": "500ms",
                       "links": [{"name": "lo", "kind": "fiber", "targets": ["127.0.0.1"]}]}],
        }
        collector = CollectorProcess(sections, workdir=tmp_path / "collector")
        agents = [AgentProcess(tmp_path / name, {
            "collector": collector.base, "name": name, "site": "core",
            "token": token(name)}) for name in AGENTS]
        try:
            collector.start()
            for agent in agents:
                agent.start()
            yield smtp, collector, agents, sections
        finally:
            for agent in agents:
                agent.stop()
            collector.stop()


def all_up(collector: CollectorProcess, names: list[str]) -> bool:
    return all(collector.value("pantau_agent_up", agent=name) == 1.0 for name in names)


def reports(collector: CollectorProcess, name: str) -> float:
    return collector.value("pantau_agent_reports_total", agent=name) or 0.0


def wait_past_silence(collector: CollectorProcess, names: list[str]) -> None:
    """Until every agent has reported for twice agents.silence more (0.2 s apart)."""
    start = {name: reports(collector, name) for name in names}
    wait_until(lambda: all(reports(collector, name) >= start[name] + 2 * SILENCE / 0.2
                           for name in names), timeout=30,
               what=f"{2 * SILENCE:g} s more of reports from every agent")


def test_a_restart_with_seven_healthy_agents_sends_no_mail(lab):
    smtp, collector, _, _ = lab
    wait_until(lambda: all_up(collector, AGENTS), timeout=30, what="seven agents up")
    box = Mailbox(smtp)
    assert collector.stop(signal.SIGTERM) == 0
    collector.start()
    wait_until(lambda: all_up(collector, AGENTS), timeout=30, what="seven agents up again")
    wait_past_silence(collector, AGENTS)
    assert box.mails() == [], [m["Subject"] for m in box.mails()]
    assert "AGENT" not in collector.log.upper().replace("AGENTS", "")


def test_a_reload_keeps_the_agents_counts_and_sends_no_mail(lab):
    smtp, collector, _, sections = lab
    wait_until(lambda: all_up(collector, AGENTS), timeout=30, what="seven agents up")
    box = Mailbox(smtp)
    before = {name: reports(collector, name) for name in AGENTS}
    # One more agent, never started; another's token changes: its agent, still holding the
    # old one, is refused from now on (and silent after agents.silence).
    clients = [{"name": name, "site": "core", "token": token(name)} for name in AGENTS[1:]]
    clients += [{"name": AGENTS[0], "site": "core", "token": "a-new-token-0123456789abcdef"},
                {"name": "opd8-server", "site": "core", "token": token("opd8-server")}]
    collector.write_config({**sections, "agents": {**sections["agents"], "clients": clients}})
    result = collector.command("reload")
    assert result.returncode == 0, result
    assert "agents added: opd8-server" in result.stdout
    assert f"agents changed: {AGENTS[0]} (token)" in result.stdout
    assert "a-new-token" not in result.stdout + collector.log
    for name in AGENTS[1:]:
        assert reports(collector, name) >= before[name]
    wait_past_silence(collector, AGENTS[1:])
    assert all_up(collector, AGENTS[1:])
    # The two silent agents are told of once each, after agents.silence from the reload; the
    # six others, nothing.
    wait_until(lambda: all(name in told(box) for name in (AGENTS[0], "opd8-server")),
               timeout=20, what="the silence of both told")
    assert {e for m in box.mails() for e in m["X-Pantau-Event"].split(", ")} == \
        {"agent_silent"}
    for name in AGENTS[1:]:
        assert name not in told(box)
    assert collector.value("pantau_agent_pushes_rejected_total", reason="bad_token") > 0


def told(box: Mailbox) -> str:
    """The plain text of every mail so far."""
    return "\n".join(part.get_payload(decode=True).decode("utf-8", "replace")
                     for mail in box.mails() for part in mail.walk()
                     if part.get_content_type() == "text/plain")


def test_reloads_under_way_while_agents_push_lose_and_refuse_nothing(lab):
    smtp, collector, agents, sections = lab
    wait_until(lambda: all_up(collector, AGENTS), timeout=30, what="seven agents up")
    box = Mailbox(smtp)
    other = {**sections, "sites": [*sections["sites"], {
        "name": "opd", "title": "OPD", "interval": "500ms",
        "links": [{"name": "lo", "kind": "fiber", "targets": ["127.0.0.2"]}]}]}
    before = {name: reports(collector, name) for name in AGENTS}
    # Ten reloads back and forth, as fast as they come, while seven agents push every 0.2 s.
    for number in range(10):
        collector.write_config(other if number % 2 == 0 else sections)
        os.kill(collector.pid, signal.SIGHUP)
        wait_until(lambda n=number: collector.value("pantau_config_reloads_total",
                                                    result="success") == n + 1,
                   timeout=20, what=f"reload {number + 1} done")
    wait_past_silence(collector, AGENTS)
    rejected = [s for s in samples(collector.metrics())
                if s.name == "pantau_agent_pushes_rejected_total" and s.value]
    assert rejected == []
    for name in AGENTS:
        assert reports(collector, name) > before[name]
    # Through ten swaps of the push route, no report was taken twice (an answer lost in a
    # swap would have the agent send it again).
    for agent in agents:
        assert collector.value("pantau_agent_duplicate_reports_total",
                               agent=agent.workdir.name) == 0.0
    assert box.mails() == []
    assert "Traceback" not in collector.log
    assert collector.value("pantau_config_last_reload_successful") == 1.0
