"""Reloading the config of a running collector as operators do (`collector reload`, SIGHUP),
on the namespace testbed, with a real SMTP server: sites added and removed while another is
out, and configs that are not valid. A reload itself is told by no mail."""

from __future__ import annotations

import os
import signal
import time

import pytest

from collector.alerting.outage_log import OutageLog, outage_log_path
from tests.e2e.test_alerting import Mailbox
from tests.support.collector_process import CollectorProcess
from tests.support.smtp_server import SmtpServer, mail_section
from tests.support.tls import make_pki
from tests.support.waiting import wait_until
from tests.testbed import Testbed, require_root

pytestmark = pytest.mark.e2e

ROUND = 0.5
SITES = ("core", "opd1", "opd2", "opd3")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_root()
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    with Testbed() as tb, SmtpServer(pki) as smtp:
        for site in SITES:
            tb.add_site(site)
        tb.add_link("core", "uplink", parent=None, kind="fiber")
        for site in SITES[1:]:
            tb.add_link(site, "fo", parent="core", kind="fiber")
        tb.start()
        sites = {site["name"]: site for site in tb.config_sites()}
        sections = {
            "icmp": {"interval": f"{ROUND}s", "jitter": 0, "echoes": 3,
                     "echo_interval": "20ms", "timeout": "300ms"},
            "state": {"down_after": 3, "up_after": 2, "window": 10},
            "alerting": {"group_window": "1s", "recovery_hold": "2s", "reminder_interval": 0,
                         "degraded_after": "10m"},
            "mail": mail_section(smtp, pki.ca_file),
        }
        workdir = tmp_path_factory.mktemp("collector")

        def config(*names: str) -> dict:
            return {**sections, "sites": [sites[name] for name in names]}

        collector = CollectorProcess(config("core", "opd1", "opd2"), workdir=workdir,
                                     host="0.0.0.0").start()
        try:
            yield tb, smtp, collector, config, workdir
        finally:
            collector.stop()


def site_state(collector: CollectorProcess, site: str) -> str | None:
    for state in ("up", "down", "unreachable", "degraded", "unknown", "error"):
        if collector.value("pantau_site_state", site=site, state=state) == 1.0:
            return state
    return None


def wait_state(collector: CollectorProcess, site: str, state: str, timeout: float = 30) -> None:
    wait_until(lambda: site_state(collector, site) == state, timeout=timeout,
               what=f"{site} {state} (is {site_state(collector, site)})")


def rounds(collector: CollectorProcess) -> float:
    return collector.value("pantau_icmp_rounds_total", site="core") or 0.0


def test_an_invalid_config_changes_nothing_whether_the_command_or_sighup_brings_it(lab):
    _, smtp, collector, _, _ = lab
    for site in ("core", "opd1", "opd2"):
        wait_state(collector, site, "up")
    box = Mailbox(smtp)
    good = collector.config_path.read_text()
    broken = good.replace("  echoes: 3\n", "  echoes: 3\n  echos: 4\n", 1)
    assert broken != good
    collector.config_path.write_text(broken)
    try:
        # The command checks the config first: it names the line and key, and signals
        # nothing.
        result = collector.command("reload")
        assert result.returncode == 2, result
        line = broken.splitlines().index("  echos: 4") + 1
        assert f"{collector.config_path}:{line}: icmp.echos" in result.stderr
        assert collector.value("pantau_config_reloads_total", result="failure") == 0.0
        # SIGHUP brings it to the collector itself: refused there, logged with the line.
        os.kill(collector.pid, signal.SIGHUP)
        wait_until(lambda: collector.value("pantau_config_reloads_total",
                                           result="failure") == 1.0,
                   timeout=10, what="the refused reload counted")
    finally:
        collector.config_path.write_text(good)
    assert collector.value("pantau_config_last_reload_successful") == 0.0
    assert f"{collector.config_path}:{line}: icmp.echos" in collector.log
    assert "the config in force stays" in collector.log
    # Everything goes on as before: the same sites probed, round after round, no mail.
    start = rounds(collector)
    wait_until(lambda: rounds(collector) >= start + 6, timeout=20, what="6 more rounds")
    for site in ("core", "opd1", "opd2"):
        assert site_state(collector, site) == "up"
    assert site_state(collector, "opd3") is None
    assert box.mails() == []


def test_reload_adds_a_site_and_removes_another_while_a_third_is_out(lab):
    tb, smtp, collector, config, workdir = lab
    for site in ("core", "opd1", "opd2"):
        wait_state(collector, site, "up")
    box = Mailbox(smtp)
    cut_at = time.time()
    tb.cut("opd1", "fo")
    try:
        [down] = box.wait("down")
        assert down["X-Pantau-Sites"] == "opd1"
        opd1_sent = collector.value("pantau_icmp_echo_requests_total", site="opd1", link="fo",
                                    target=tb.target("opd1", "fo"))
        collector.write_config(config("core", "opd1", "opd3"))
        result = collector.command("reload")
        assert result.returncode == 0, result
        assert "sites added: opd3" in result.stdout
        assert "sites removed: opd2" in result.stdout
        assert "reload: sites added: opd3" in collector.log
        assert collector.value("pantau_config_last_reload_successful") == 1.0
        wait_state(collector, "opd3", "up")
        assert site_state(collector, "opd2") is None
        # The outage goes on through the reload, and so do the counters of what stayed.
        assert site_state(collector, "opd1") == "down"
        assert collector.value("pantau_icmp_echo_requests_total", site="opd1", link="fo",
                               target=tb.target("opd1", "fo")) >= opd1_sent
        start = rounds(collector)
        wait_until(lambda: rounds(collector) >= start + 4, timeout=20, what="4 more rounds")
        assert site_state(collector, "opd1") == "down"
    finally:
        tb.restore("opd1", "fo")
    restored_at = time.time()
    [recovered] = box.wait("recovered")
    assert recovered["X-Pantau-Sites"] == "opd1"
    start = rounds(collector)
    wait_until(lambda: rounds(collector) >= start + 10, timeout=30, what="10 more rounds")
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["down", "recovered"]
    log = OutageLog(outage_log_path(workdir / "data"))
    try:
        outages = [o for o in log.between(cut_at - 1, time.time() + 1)
                   if o.site == "opd1" and o.link is None]
    finally:
        log.close()
    [outage] = outages
    assert recovered["X-Pantau-Outage"] == down["X-Pantau-Outage"] == str(outage.id)
    assert outage.ended_at is not None
    assert abs(outage.duration - (restored_at - cut_at)) <= 4 * ROUND + 0.5
