"""Outage mails from the real collector on the namespace testbed, to a real SMTP server with
STARTTLS and AUTH: one mail per outage, the sites behind a cut in it, causes, and nothing lost
or sent twice through a mail server outage or a collector crash."""

from __future__ import annotations

import asyncio
import csv
import datetime
import functools
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collector.alerting.outage_log import OutageLog, outage_log_path
from collector.state.ledger import MonitoringLedger
from tests.integration.test_webhook_channel import SECRET, Receiver
from tests.support.agent_process import AgentProcess
from tests.support.background_loop import BackgroundLoop
from tests.support.collector_process import CollectorProcess
from tests.support.config_fixtures import ROOT
from tests.support.dns_server import DnsServer
from tests.support.metrics import samples, scrape, value
from tests.support.smtp_server import SmtpServer, mail_section
from tests.support.snmpd import BENCH_V3_USER, SnmpAgent, free_udp_port
from tests.support.telegram_api import BotApiServer, parse_html
from tests.support.tls import make_pki
from tests.support.waiting import wait_until
from tests.testbed import Testbed, require_root

pytestmark = pytest.mark.e2e

ROUND = 0.6
DOWN_AFTER = 3
UP_AFTER = 2
WINDOW = 2.0
# Longer than a flap of the tests below takes from "up" to "down" again (about 2 s).
HOLD = 5.0
SNMP_INTERVAL = 0.5
STABLE = 10.0
BEHIND_RELAY = ("h1", "h2", "h3")
TOKEN = "agent-token-opd1-0123456789"
TG_TOKEN = "7000000001:AAtest-bot-token"
TG_CHAT = -1001234567890


def declare(tb: Testbed) -> None:
    for site in ("core", "opd1", "relay", *BEHIND_RELAY):
        tb.add_site(site)
    tb.add_link("core", "uplink", parent=None, kind="fiber")
    tb.add_link("opd1", "fo", parent="core", kind="fiber")
    tb.add_link("relay", "radio", parent="core", kind="wireless")
    for site in BEHIND_RELAY:
        tb.add_link(site, "radio", parent="relay", kind="wireless")


class Mailbox:
    """What reached the SMTP server since the test began."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self.mark = len(server.received)

    def mails(self, event: str | None = None) -> list:
        found = [r.message for r in self.server.received[self.mark:]]
        return [m for m in found
                if event is None or event in m["X-Pantau-Event"].split(", ")]

    def wait(self, event: str, count: int = 1, timeout: float = 20) -> list:
        wait_until(lambda: len(self.mails(event)) >= count, timeout=timeout,
                   what=f"{count} '{event}' mails (have {[m['Subject'] for m in self.mails()]})")
        return self.mails(event)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_root()
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    with Testbed() as tb, SmtpServer(pki) as smtp, BackgroundLoop() as background:
        # Telegram's Bot API (a stand-in that checks requests as Telegram does) and a
        # ticketing tool's webhook receiver (which checks the signature), on loopback.
        telegram = background.run(BotApiServer(TG_TOKEN, {TG_CHAT}).start())
        receiver = background.run(Receiver().start())
        declare(tb)
        tb.start()
        # On the site's loopback, like a router's management address: it survives a cut of
        # the link, so the agent can be restarted while the site is cut off.
        [router] = tb.add_host_addresses("opd1", 1)
        snmpd = SnmpAgent(address=router, port=free_udp_port(),
                          sys_name="opd1-router", netns=tb.netns("opd1"),
                          popen=functools.partial(tb.popen, "opd1"),
                          workdir=tmp_path_factory.mktemp("snmpd")).start()
        sites = tb.config_sites()
        opd1 = next(s for s in sites if s["name"] == "opd1")
        opd1["devices"] = [{"name": "router", "address": router,
                            "port": snmpd.port, "auth": "lab"}]
        # The agency's web application, on the same management address as the router.
        status_file = tmp_path_factory.mktemp("web") / "status"
        status_file.write_text("200")
        web_port = free_udp_port()
        web = tb.popen("opd1", [sys.executable, "-m", "tests.support.web_server", router,
                                str(web_port), str(status_file)],
                       stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        assert web.stdout is not None and web.stdout.readline().strip() == "ready"
        # Its PPID site over HTTPS, with a certificate from a CA of the test's that expires
        # in 5 days.
        ppid_pki = make_pki(tmp_path_factory.mktemp("ppid-pki"), addresses=(router,), days=5)
        ppid_port = free_udp_port()
        ppid = tb.popen("opd1", [sys.executable, "-m", "tests.support.web_server", router,
                                 str(ppid_port), str(status_file.with_name("ppid")),
                                 str(ppid_pki.cert_file), str(ppid_pki.key_file)],
                        stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        assert ppid.stdout is not None and ppid.stdout.readline().strip() == "ready"
        # And its name server.
        dns = DnsServer(tmp_path_factory.mktemp("dns"), router, free_udp_port(),
                        {"simpeg.opd1.test": router},
                        popen=functools.partial(tb.popen, "opd1")).start()
        every_second = {"interval": "1s", "timeout": "800ms", "down_after": 2, "up_after": 2}
        opd1["services"] = [
            {"kind": "http", "name": "simpeg", "title": "SIMPEG",
             "url": f"http://{router}:{web_port}/", "degraded_latency": "300ms",
             **every_second},
            {"kind": "http", "name": "ppid", "title": "PPID",
             "url": f"https://{router}:{ppid_port}/", "ca_file": str(ppid_pki.ca_file),
             **every_second},
            {"kind": "dns", "name": "dns", "title": "DNS OPD1", "server": router,
             "port": dns.port, "query_name": "simpeg.opd1.test",
             "answer_match": f"IN A {router.replace('.', '[.]')}$", **every_second}]
        sections = {
            "icmp": {"interval": f"{ROUND}s", "jitter": 0, "echoes": 3,
                     "echo_interval": "20ms", "timeout": "400ms"},
            "state": {"down_after": DOWN_AFTER, "up_after": UP_AFTER, "window": 10},
            "snmp": {"interval": f"{SNMP_INTERVAL}s", "timeout": "200ms", "retries": 0},
            # SNMPv3 authPriv (SHA, AES), as the office's routers are polled.
            "auths": {"lab": {"version": "3", "username": BENCH_V3_USER[0],
                              "auth_key": BENCH_V3_USER[1], "priv_key": BENCH_V3_USER[2]}},
            "alerting": {"group_window": f"{WINDOW}s", "degraded_after": "10m",
                         "recovery_hold": f"{HOLD}s", "flap_transitions": 4,
                         "flap_window": "20s", "flap_stable": f"{STABLE}s",
                         "reminder_interval": 0},
            "agents": {"silence": "3s", "clients": [
                {"name": "opd1-server", "site": "opd1", "token": TOKEN}]},
            "mail": mail_section(smtp, pki.ca_file),
            "telegram": {"enabled": True, "token": TG_TOKEN, "api_url": telegram.url,
                         "groups": {"central": [TG_CHAT]}},
            "webhook": {"enabled": True, "endpoints": {
                "tiket": {"url": receiver.url("pantau"), "secret": SECRET}},
                "groups": {"central": ["tiket"]}},
            "sites": sites,
        }
        workdir = tmp_path_factory.mktemp("collector")
        first_started_at = time.time()
        collector = CollectorProcess(sections, workdir=workdir, host="0.0.0.0").start()
        agent_settings = {"collector": f"http://{tb.collector_address}:{collector.port}",
                          "name": "opd1-server", "site": "opd1", "token": TOKEN}
        agent = AgentProcess(tmp_path_factory.mktemp("agent"), agent_settings,
                             launcher=functools.partial(tb.popen, "opd1")).start()
        lab = Lab(tb, smtp, collector, snmpd, agent, sections, workdir)
        lab.agent_settings = agent_settings
        lab.web_status = status_file
        lab.dns = dns
        lab.telegram, lab.receiver = telegram, receiver
        lab.telegram_loop = background.loop
        lab.first_started_at = first_started_at
        try:
            # The PPID certificate is warned about at the first checks: that mail is waited
            # for here, so that it falls inside no test's own count of mails.
            box = Mailbox(smtp)
            box.mark = 0
            lab.cert_mails = box.wait("cert_expiring")
            yield lab
        finally:
            lab.agent.stop()
            lab.collector.stop()
            dns.close()
            snmpd.close()
            background.run(telegram.stop())
            background.run(receiver.stop())


class Lab:
    def __init__(self, tb, smtp, collector, snmpd, agent, sections, workdir) -> None:
        self.tb, self.smtp, self.collector = tb, smtp, collector
        self.snmpd, self.agent = snmpd, agent
        self.sections, self.workdir = sections, workdir
        self.agent_settings: dict[str, object] = {}
        self.first_started_at = 0.0
        self.web_status: Path | None = None
        self.dns: DnsServer | None = None
        self.telegram: BotApiServer | None = None
        self.telegram_loop: asyncio.AbstractEventLoop | None = None
        self.receiver: Receiver | None = None
        self.cert_mails: list = []

    def all_up(self) -> None:
        for site in ("core", "opd1", "relay", *BEHIND_RELAY):
            wait_until(lambda site=site: self.collector.value(
                "pantau_site_state", site=site, state="up") == 1.0, timeout=30,
                what=f"{site} up")

    def outages(self, site: str):
        log = OutageLog(outage_log_path(self.workdir / "data"))
        try:
            return [o for o in log.between(0, time.time() + 1)
                    if o.site == site and o.link is None and o.service is None]
        finally:
            log.close()

    def quiet(self, rounds: int = 12) -> None:
        """Let the collector run ``rounds`` more rounds (beyond any grouping window)."""
        start = self.collector.value("pantau_icmp_rounds_total", site="core")
        wait_until(lambda: self.collector.value("pantau_icmp_rounds_total", site="core")
                   >= start + rounds, timeout=30, what=f"{rounds} more rounds")


def restart_agent(lab: Lab, boot_time: float | None = None) -> None:
    """The agent again, with its spool, pointed at the collector's current port; with
    ``boot_time`` its host looks as if it had just booted."""
    lab.agent.stop()
    settings = {**lab.agent_settings,
                "collector": f"http://{lab.tb.collector_address}:{lab.collector.port}"}
    lab.agent = AgentProcess(lab.agent.workdir, settings, boot_time=boot_time,
                             launcher=functools.partial(lab.tb.popen, "opd1")).start()


@pytest.fixture(autouse=True)
def collector_log_on_failure(request, lab):
    """The collector's log is the first thing to read when an outage mail is missing."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print("collector log (last 80 lines):\n" + "\n".join(lab.collector.log.splitlines()[-80:]))


def test_leaf_cut_one_down_mail_and_one_recovery_with_the_right_duration(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    cut_at = time.time()
    lab.tb.cut("opd1", "fo")
    try:
        [down] = box.wait("down")
        assert down["X-Pantau-Sites"] == "opd1"
        assert "opd1" in down["Subject"]
    finally:
        lab.tb.restore("opd1", "fo")
    restored_at = time.time()
    [recovered] = box.wait("recovered")
    lab.quiet()
    assert len(box.mails()) == 2, [m["Subject"] for m in box.mails()]
    outage = lab.outages("opd1")[-1]
    assert outage.ended_at is not None
    assert abs(outage.duration - (restored_at - cut_at)) <= 2 * ROUND + 0.5
    assert recovered["X-Pantau-Outage"] == str(outage.id)
    # The agent kept reporting through the gap: the cable, not the power.
    assert recovered["X-Pantau-Cause"] == "link"


def test_cut_relay_one_mail_listing_all_three_sites_behind_it_and_one_recovery(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    lab.tb.cut("relay", "radio")
    try:
        [down] = box.wait("down")
    finally:
        lab.tb.restore("relay", "radio")
    assert down["X-Pantau-Sites"].split(", ") == ["relay", *BEHIND_RELAY]
    [recovered] = box.wait("recovered")
    assert set(recovered["X-Pantau-Sites"].split(", ")) == {"relay", *BEHIND_RELAY}
    lab.quiet()
    assert len(box.mails()) == 2, [m["Subject"] for m in box.mails()]
    # The sites behind the cut were out exactly while it lasted: from the cut's start, until
    # the relay's verdict brought them back (within up_after rounds of the relay's end).
    cut = lab.outages("relay")[-1]
    assert cut.ended_at is not None
    for site in BEHIND_RELAY:
        behind = lab.outages(site)[-1]
        assert behind.root_site == "relay"
        assert behind.ended_at is not None and behind.started_at <= behind.ended_at
        assert behind.started_at == pytest.approx(cut.started_at, abs=ROUND)
        assert cut.ended_at <= behind.ended_at <= cut.ended_at + (UP_AFTER + 1) * ROUND


def test_thirty_percent_loss_sends_no_link_or_site_mail(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    lab.tb.set_loss("opd1", "fo", 30)
    try:
        lab.collector.wait_link_state("opd1", "fo", "degraded", timeout=30)
        lab.quiet(rounds=30)
    finally:
        lab.tb.clear_loss("opd1", "fo")
    # The web check crosses the same lossy link with an 800 ms timeout: a lost SYN fails it,
    # and a service failing its checks is news of its own. The link and the site are not.
    events = [m["X-Pantau-Event"] for m in box.mails()]
    assert [e for e in events if not e.startswith("service_")] == [], events
    # What the services said is told before the next test counts its own mails.
    for service, healthy in (("simpeg", "up"), ("dns", "up"), ("ppid", "degraded")):
        wait_until(lambda s=service, h=healthy: service_state(lab, s) == h, timeout=30,
                   what=f"{service} {healthy} again")
    lab.quiet()
    wait_until(lambda: lab.collector.value("pantau_mail_outbox_pending") == 0
               and not lab.collector.value("pantau_notify_pending", channel="telegram"),
               timeout=30, what="every message about the loss delivered")


def test_mail_server_down_during_an_outage_every_mail_arrives_afterwards_once(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    lab.smtp.stop()
    try:
        lab.tb.cut("opd1", "fo")
        wait_until(lambda: lab.collector.value("pantau_mail_outbox_pending") == 1.0,
                   timeout=20, what="the down mail waiting in the outbox")
        lab.tb.restore("opd1", "fo")
        wait_until(lambda: lab.collector.value("pantau_mail_outbox_pending") == 2.0,
                   timeout=20, what="both mails waiting in the outbox")
    finally:
        lab.smtp.start()
    box.wait("recovered")
    lab.quiet()
    events = [m["X-Pantau-Event"] for m in box.mails()]
    assert events == ["down", "recovered"]
    assert len({m["Message-ID"] for m in box.mails()}) == 2


def test_collector_killed_mid_outage_sends_no_second_down_and_one_recovery(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    lab.tb.cut("opd1", "fo")
    try:
        box.wait("down")
        # Killed once the outbox has recorded the mail as accepted: a kill between the server's
        # acceptance and that record resends the mail (at least once, same Message-ID), which
        # is the outbox's contract, not the alert state's that this test is about.
        wait_until(lambda: lab.collector.value("pantau_mail_outbox_pending") == 0, timeout=20,
                   what="the outbox to record the down mail as sent")
        lab.collector.kill()
        # Same data directory; a new port, which the agent must be told.
        lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir,
                                         host="0.0.0.0").start()
        restart_agent(lab)
        lab.collector.wait_link_state("opd1", "fo", "down")
        lab.quiet()
    finally:
        lab.tb.restore("opd1", "fo")
    box.wait("recovered")
    lab.quiet()
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["down", "recovered"]


def router_polled(lab: Lab) -> bool:
    """The router's last poll succeeded: no error kind set, and its uptime exported."""
    metrics = lab.collector.metrics()
    errors = [s for s in samples(metrics) if s.name == "pantau_snmp_poll_error"
              and s.labels.get("device") == "router" and s.value == 1.0]
    return not errors and value(metrics, "sysUpTime", site="opd1", device="router") is not None


def reboots(lab: Lab) -> float:
    return lab.collector.value("pantau_snmp_device_reboots_total", site="opd1",
                               device="router") or 0.0


def test_v3_router_restarted_inside_the_gap_means_power_and_its_polls_resume(lab):
    lab.all_up()
    wait_until(lambda: router_polled(lab), timeout=20, what="the router polled")
    before = reboots(lab)
    box = Mailbox(lab.smtp)
    lab.tb.cut("opd1", "fo")
    try:
        box.wait("down")
        lab.snmpd.restart()
    finally:
        lab.tb.restore("opd1", "fo")
    [recovered] = box.wait("recovered")
    assert recovered["X-Pantau-Cause"] == "power"
    assert reboots(lab) == before + 1
    wait_until(lambda: router_polled(lab), timeout=2 * SNMP_INTERVAL + 1,
               what="SNMPv3 polls of the restarted router to succeed again")


def test_v3_router_restarted_without_a_cut_is_polled_again_and_counted(lab):
    lab.all_up()
    wait_until(lambda: router_polled(lab), timeout=20, what="the router polled")
    before = reboots(lab)
    lab.snmpd.restart()
    wait_until(lambda: reboots(lab) == before + 1, timeout=20, what="the reboot counted")
    wait_until(lambda: router_polled(lab), timeout=2 * SNMP_INTERVAL + 1,
               what="SNMPv3 polls of the restarted router to succeed again")


def test_server_booted_inside_the_gap_means_power(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    lab.tb.cut("opd1", "fo")
    try:
        box.wait("down")
        restart_agent(lab, boot_time=time.time())
    finally:
        lab.tb.restore("opd1", "fo")
    [recovered] = box.wait("recovered")
    assert recovered["X-Pantau-Cause"] == "power"


def test_maintenance_window_sends_no_mail_and_the_report_shows_it_planned(lab, tmp_path):
    lab.all_up()
    zone = ZoneInfo("Asia/Makassar")
    now = datetime.datetime.now(zone)
    window = {"start": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
              "end": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
              "reason": "penggantian radio"}
    for site in lab.sections["sites"]:
        if site["name"] == "h1":
            site["maintenance"] = [window]
    lab.collector.stop()
    lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir, host="0.0.0.0").start()
    restart_agent(lab)
    lab.all_up()
    box = Mailbox(lab.smtp)
    lab.tb.cut("h1", "radio")
    try:
        lab.collector.wait_link_state("h1", "radio", "down")
        lab.quiet()
    finally:
        lab.tb.restore("h1", "radio")
    lab.collector.wait_link_state("h1", "radio", "up")
    lab.quiet()
    assert box.mails() == []
    outage = lab.outages("h1")[-1]
    assert outage.planned and outage.ended_at is not None
    done = subprocess.run(
        [sys.executable, "-m", "collector", "report", "--month", now.strftime("%Y-%m"),
         "-c", str(lab.collector.config_path), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [csv_file] = tmp_path.glob("pantau-availability-*.csv")
    rows = {row["site"]: row for row in csv.DictReader(csv_file.open())}
    assert float(rows["h1"]["planned_minutes"]) > 0
    assert float(rows["h1"]["downtime_minutes"]) == 0


def test_link_flapping_six_times_costs_at_most_two_mails_then_one_recovery(lab):
    lab.all_up()
    box = Mailbox(lab.smtp)
    began = time.time()
    for _ in range(6):
        lab.tb.cut("opd1", "fo")
        lab.collector.wait_link_state("opd1", "fo", "down")
        lab.tb.restore("opd1", "fo")
        lab.collector.wait_link_state("opd1", "fo", "up")
    stopped = time.time()
    # The recovery comes once the link has kept its state for flap_stable.
    [recovered] = box.wait("recovered", timeout=STABLE + 20)
    lab.quiet()
    events = [m["X-Pantau-Event"] for m in box.mails()]
    assert events[-1] == "recovered" and events.count("recovered") == 1, events
    assert events[:-1] in (["down", "flapping"], ["flapping"]), events
    assert recovered["X-Pantau-Sites"] == "opd1"
    # Every one of the six outages is in the log, in order, none ending before it began.
    outages = [o for o in lab.outages("opd1") if o.started_at >= began - 1]
    assert len(outages) == 6, outages
    assert all(o.ended_at is not None and began - 1 <= o.started_at <= o.ended_at <= stopped
               for o in outages), outages


def test_collector_restart_with_healthy_agents_sends_nothing(lab):
    lab.all_up()
    wait_until(lambda: lab.collector.value("pantau_agent_up", agent="opd1-server") == 1.0,
               timeout=20, what="the agent up")
    box = Mailbox(lab.smtp)
    lab.collector.stop()
    lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir, host="0.0.0.0").start()
    # The agent still pushes to the old port: the restarted collector has not heard it yet,
    # and its alerting has looked at it (a tick every 0.5 s) before it is first heard.
    lab.quiet(rounds=3)
    assert lab.collector.value("pantau_agent_up", agent="opd1-server") == 0.0
    restart_agent(lab)
    wait_until(lambda: lab.collector.value("pantau_agent_up", agent="opd1-server") == 1.0,
               timeout=20, what="the agent reporting to the restarted collector")
    lab.all_up()
    # Beyond agents.silence (3 s) and the grouping window: whatever was due has gone out.
    lab.quiet(rounds=12)
    assert box.mails() == [], [m["Subject"] for m in box.mails()]


BLOCK_TABLE = "pantau_test_block"


def root_nft(script: str) -> None:
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True, timeout=10)


@pytest.mark.parametrize("verdict", ["reject", "drop"])
def test_echoes_blocked_by_a_local_firewall_rule_are_the_error_state_and_mailed(lab, verdict):
    """A rule on the collector's own host (root namespace) refuses the echoes to one test
    address: the link cannot be checked, which is neither up nor down."""
    lab.all_up()
    box = Mailbox(lab.smtp)
    target = lab.tb.target("h2", "radio")
    root_nft(f"add table inet {BLOCK_TABLE}\n"
             f"add chain inet {BLOCK_TABLE} out {{ type filter hook output priority filter; }}\n"
             f"add rule inet {BLOCK_TABLE} out ip daddr {target} icmp type echo-request "
             f"{verdict}\n")
    try:
        lab.collector.wait_link_state("h2", "radio", "error", timeout=30)
        metrics = lab.collector.metrics()
        assert value(metrics, "pantau_site_state", site="h2", state="error") == 1.0
        reasons = {s.labels["reason"] for s in samples(metrics)
                   if s.name == "pantau_link_error" and s.labels["site"] == "h2"
                   and s.value == 1.0}
        assert len(reasons) == 1, reasons
        [mail] = box.wait("error")
        assert mail["X-Pantau-Sites"] == "h2"
        body = mail.get_body(("plain",)).get_content()
        assert "cannot be checked" in body
    finally:
        root_nft(f"delete table inet {BLOCK_TABLE}\n")
    lab.collector.wait_link_state("h2", "radio", "up", timeout=30)
    box.wait("error_cleared")
    lab.quiet()
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["error", "error_cleared"]
    # Never an outage: nothing was known to be down.
    assert [o for o in lab.outages("h2") if o.started_at > time.time() - 120] == []


def write_report(lab: Lab, out: Path) -> None:
    """This month's report, as a sysadmin runs it, into ``out``."""
    now = datetime.datetime.now(ZoneInfo("Asia/Makassar"))
    done = subprocess.run(
        [sys.executable, "-m", "collector", "report", "--month", now.strftime("%Y-%m"),
         "-c", str(lab.collector.config_path), "--out", str(out)],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_collector_stopped_for_a_while_leaves_that_time_unmonitored_in_the_report(lab, tmp_path):
    lab.all_up()
    lab.quiet(rounds=3)
    lab.collector.stop()
    stopped_at = time.time()
    # Stopped for a while: ten intervals, far beyond the 1.5 intervals a round may be late.
    wait_until(lambda: time.time() - stopped_at >= 10 * ROUND, timeout=30, interval=0.1,
               what="the collector to stay stopped for ten intervals")
    lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir, host="0.0.0.0").start()
    started_at = time.time()
    restart_agent(lab)
    lab.all_up()
    lab.quiet(rounds=20)  # beyond the ledger's flush period (10 s)
    write_report(lab, tmp_path)
    [csv_file] = tmp_path.glob("pantau-availability-*.csv")
    row = {r["site"]: r for r in csv.DictReader(csv_file.open())}["opd1"]
    log = MonitoringLedger(outage_log_path(lab.workdir / "data"))
    try:
        spans = log.spans("opd1", 0, time.time() + 1)
    finally:
        log.close()
    # No span covers the stop, one began after the restart, and the report's monitored time
    # is the spans' total plus the downtime outside them (the outages of the earlier tests).
    assert not any(start < started_at - 1 and end > stopped_at + 1 for start, end in spans)
    assert any(start >= started_at - 1 for start, _ in spans)
    monitored = float(row["monitored_minutes"]) * 60
    assert monitored >= sum(end - start for start, end in spans) - 1
    first_run = lab.first_started_at
    assert monitored <= time.time() - first_run - (started_at - stopped_at) + 1
    assert float(row["unmonitored_minutes"]) * 60 >= started_at - stopped_at - 1
    # Availability is judged over the monitored time only (the CSV's minutes have two
    # decimals: the ratio from them is as exact as that rounding allows).
    down_min, monitored_min = float(row["downtime_minutes"]), float(row["monitored_minutes"])
    rounding = 0.005 / monitored_min + down_min * 0.005 / monitored_min ** 2
    assert float(row["availability_ratio"]) == pytest.approx(
        1 - down_min / monitored_min, abs=rounding + 1e-8)


def service_state(lab: Lab, service: str = "simpeg") -> str | None:
    for sample in samples(lab.collector.metrics()):
        if sample.name == "pantau_service_state" and sample.value == 1.0 and \
                sample.labels.get("service") == service:
            return sample.labels["state"]
    return None


def test_a_service_answering_500_is_one_mail_and_one_recovery_with_its_duration(lab):
    lab.all_up()
    wait_until(lambda: service_state(lab) == "up", timeout=20, what="the service up")
    box = Mailbox(lab.smtp)
    assert lab.web_status is not None
    failed_at = time.time()
    lab.web_status.write_text("500")
    try:
        [down] = box.wait("service_down")
    finally:
        lab.web_status.write_text("200")
    fixed_at = time.time()
    assert down["Subject"] == "[Pantau] SERVICE DOWN: SIMPEG (opd1) — HTTP 500"
    assert down["X-Pantau-Services"] == "opd1/simpeg"
    [recovered] = box.wait("service_recovered")
    lab.quiet()
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["service_down", "service_recovered"]
    # Dated from the first failed check to the first good one, within a check interval.
    duration = int(recovered["X-Pantau-Duration-Seconds"])
    assert abs(duration - (fixed_at - failed_at)) <= 2
    assert value(lab.collector.metrics(), "probe_http_status_code", site="opd1",
                 service="simpeg") == 200


def test_a_service_behind_a_cut_is_unreachable_unmailed_and_listed_in_the_cuts_mail(lab):
    lab.all_up()
    wait_until(lambda: service_state(lab) == "up", timeout=20, what="the service up")
    box = Mailbox(lab.smtp)
    lab.tb.cut("opd1", "fo")
    try:
        [down] = box.wait("down")
        wait_until(lambda: service_state(lab) == "unreachable", timeout=20,
                   what="the service unreachable")
    finally:
        lab.tb.restore("opd1", "fo")
    box.wait("recovered")
    wait_until(lambda: service_state(lab) == "up", timeout=20, what="the service up again")
    lab.quiet()
    events = [m["X-Pantau-Event"] for m in box.mails()]
    assert events == ["down", "recovered"], events
    body = down.get_body(("plain",)).get_content()
    assert "Services affected" in body and "SIMPEG (opd1)" in body


def test_a_certificate_expiring_in_five_days_is_one_warning_and_the_service_degraded(lab):
    [warning] = lab.cert_mails
    assert warning["Subject"].startswith("[Pantau] CERTIFICATE EXPIRING: PPID (opd1) — 4 d 23 h")
    assert warning["X-Pantau-Services"] == "opd1/ppid"
    wait_until(lambda: service_state(lab, "ppid") == "degraded", timeout=20,
               what="PPID degraded by its certificate")
    expiry = value(lab.collector.metrics(), "probe_ssl_earliest_cert_expiry", site="opd1",
                   service="ppid")
    assert 4.9 * 86400 < expiry - time.time() <= 5 * 86400
    box = Mailbox(lab.smtp)
    box.mark = 0
    lab.quiet()  # more checks of the same certificate: no second warning
    assert [m["Subject"] for m in box.mails("cert_expiring")] == [warning["Subject"]]


def test_a_slow_answer_over_the_threshold_is_degraded_and_back_up_when_fast(lab):
    lab.all_up()
    wait_until(lambda: service_state(lab) == "up", timeout=20, what="the service up")
    box = Mailbox(lab.smtp)
    assert lab.web_status is not None
    lab.web_status.write_text("200 0.5")
    try:
        wait_until(lambda: service_state(lab) == "degraded", timeout=20,
                   what="the slow service degraded")
        assert value(lab.collector.metrics(), "probe_success", site="opd1",
                     service="simpeg") == 1
    finally:
        lab.web_status.write_text("200")
    wait_until(lambda: service_state(lab) == "up", timeout=20, what="the service up again")
    # Slow for less than alerting.degraded_after, and never down: nothing to mail.
    assert box.mails() == []


def test_a_wrong_dns_answer_is_down_with_kind_dns_one_mail_and_one_recovery(lab, tmp_path):
    lab.all_up()
    wait_until(lambda: service_state(lab, "dns") == "up", timeout=20, what="the DNS up")
    assert lab.dns is not None
    box = Mailbox(lab.smtp)
    right = lab.dns.hosts_file.read_text()
    before = dns_report_row(lab, tmp_path / "before")
    lab.dns.write({"simpeg.opd1.test": "198.19.255.254"})
    lab.dns.reload()
    try:
        [down] = box.wait("service_down")
        assert value(lab.collector.metrics(), "pantau_service_check_failure", site="opd1",
                     service="dns", kind="dns") == 1
    finally:
        lab.dns.hosts_file.write_text(right)
        lab.dns.reload()
    assert down["Subject"] == ("[Pantau] SERVICE DOWN: DNS OPD1 (opd1) — DNS problem "
                               "(name not found or wrong answer)")
    box.wait("service_recovered")
    lab.quiet()
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["service_down", "service_recovered"]
    assert value(lab.collector.metrics(), "probe_dns_answer_rrs", site="opd1",
                 service="dns") == 1
    # The report counts one more outage for the service, from its first failed check to its
    # first good one.
    duration = int(box.mails("service_recovered")[0]["X-Pantau-Duration-Seconds"])
    after = dns_report_row(lab, tmp_path / "after")
    assert after["kind"] == "dns"
    assert int(after["outages"]) == int(before["outages"]) + 1
    downtime = (float(after["downtime_minutes"]) - float(before["downtime_minutes"])) * 60
    assert downtime == pytest.approx(duration, abs=1.5)


def dns_report_row(lab: Lab, out: Path) -> dict[str, str]:
    """The DNS service's row of this month's services CSV."""
    write_report(lab, out)
    [services_csv] = out.glob("pantau-services-*.csv")
    rows = {(r["site"], r["service"]): r for r in csv.DictReader(services_csv.open())}
    return rows[("opd1", "dns")]


def chat_events(lab: Lab, since: int) -> list[str]:
    """The first lines of the Telegram messages since the ``since``-th, as people see them."""
    assert lab.telegram is not None
    return [parse_html(m["text"]).splitlines()[0] for m in lab.telegram.messages[since:]]


def test_a_cut_is_one_mail_one_telegram_message_and_one_webhook_naming_the_same_sites(lab):
    lab.all_up()
    assert lab.telegram is not None and lab.receiver is not None
    box = Mailbox(lab.smtp)
    chats, hooks = len(lab.telegram.messages), len(lab.receiver.received)
    lab.tb.cut("opd1", "fo")
    try:
        [down] = box.wait("down")
        wait_until(lambda: len(lab.telegram.messages) > chats
                   and len(lab.receiver.received) > hooks, timeout=20,
                   what="the cut on Telegram and at the webhook")
    finally:
        lab.tb.restore("opd1", "fo")
    box.wait("recovered")
    wait_until(lambda: len(lab.telegram.messages) >= chats + 2
               and len(lab.receiver.received) >= hooks + 2, timeout=20,
               what="the recovery on Telegram and at the webhook")
    lab.quiet()
    [cut_text, back_text] = chat_events(lab, chats)
    assert cut_text == "Pantau: " + down["Subject"].removeprefix("[Pantau] ")
    assert back_text.startswith("Pantau: RECOVERED: opd1")
    documents = lab.receiver.received[hooks:]
    assert [[e["kind"] for e in d["events"]] for d in documents] == [["down"], ["recovered"]]
    sites = {a["site"] for a in documents[0]["events"][0]["affected"]}
    assert sites == set(down["X-Pantau-Sites"].split(", ")) == {"opd1"}
    assert len(lab.telegram.messages) == chats + 2 and len(lab.receiver.received) == hooks + 2


def test_telegram_down_and_the_collector_killed_every_message_arrives_afterwards_once(lab):
    lab.all_up()
    assert lab.telegram is not None
    chats = len(lab.telegram.messages)
    lab.telegram.down = True
    lab.tb.cut("opd1", "fo")
    try:
        wait_until(lambda: (lab.collector.value("pantau_notify_pending", channel="telegram")
                            or 0) >= 1, timeout=20, what="the cut's message waiting for Telegram")
        lab.collector.kill()
        lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir,
                                         host="0.0.0.0").start()
        restart_agent(lab)
        lab.collector.wait_link_state("opd1", "fo", "down")
    finally:
        lab.tb.restore("opd1", "fo")
    lab.collector.wait_link_state("opd1", "fo", "up", timeout=30)
    lab.quiet()
    assert len(lab.telegram.messages) == chats  # nothing got through while it was down
    lab.telegram.down = False
    wait_until(lambda: len(lab.telegram.messages) >= chats + 2, timeout=30,
               what="the waiting messages delivered once Telegram is back")
    lab.quiet()
    texts = chat_events(lab, chats)
    assert len(texts) == 2, texts
    assert texts[0].startswith("Pantau: DOWN: opd1") and texts[1].startswith(
        "Pantau: RECOVERED: opd1")


def test_the_telegram_button_stops_the_reminders_and_shows_on_the_status_page(lab):
    assert lab.telegram is not None
    reminders_every = 5.0
    lab.sections["alerting"]["reminder_interval"] = f"{reminders_every:g}s"
    lab.collector.stop()
    lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir, host="0.0.0.0").start()
    try:
        restart_agent(lab)
        lab.all_up()
        box = Mailbox(lab.smtp)
        chats = len(lab.telegram.messages)
        lab.tb.cut("h2", "radio")
        try:
            [down] = box.wait("down")
            outage = down["X-Pantau-Outage"]
            box.wait("reminder", timeout=reminders_every + 2 * WINDOW + 10)
            wait_until(lambda: len(lab.telegram.messages) > chats, timeout=20,
                       what="the cut on Telegram")
            buttoned = [number for (chat, number), shown in lab.telegram.shown.items()
                        if chat == str(TG_CHAT) and shown["reply_markup"]
                        and " h2" in parse_html(shown["text"]).splitlines()[0]]
            assert buttoned, chat_events(lab, chats)  # the down message, and its reminders
            # Pressed on the stand-in's own loop, as Telegram would take it.
            query = asyncio.run_coroutine_threadsafe(
                lab.telegram.press(TG_CHAT, min(buttoned), f"ack:{outage}"),
                lab.telegram_loop).result(10)
            page = lab.collector.base + "/"
            wait_until(lambda: 'data-acked-by="Budi (@budi_noc)"' in scrape(page).split(
                'data-site="h2"', 1)[1].split("</article>", 1)[0], timeout=20,
                what="the acknowledgement on the status page")
            # The press is recorded before it is answered: the answer may come a moment later.
            wait_until(lambda: lab.telegram.answered(query) is not None, timeout=20,
                       what="the press answered")
            assert lab.telegram.answered(query)["text"] == f"Noted: outage #{outage} is yours."
            wait_until(lambda: {edit["message_id"] for edit in lab.telegram.edits}
                       >= set(buttoned), timeout=20,
                       what="the messages with the button edited to say who took it")
            # A reminder decided just before the press may still be in its group window.
            lab.quiet(rounds=int((WINDOW + 1) / ROUND) + 1)
            reminders = len(box.mails("reminder"))
            lab.quiet(rounds=int(2 * reminders_every / ROUND) + 1)
            assert len(box.mails("reminder")) == reminders
        finally:
            lab.tb.restore("h2", "radio")
        [recovered] = box.wait("recovered")
        assert "Budi (@budi_noc)" in recovered.get_body(("plain",)).get_content()
        wait_until(lambda: any("Budi (@budi_noc)" in parse_html(m["text"])
                               and "RECOVERED: h2" in m["text"]
                               for m in lab.telegram.messages[chats:]), timeout=20,
                   what="the recovery on Telegram naming who took it")
    finally:
        lab.sections["alerting"]["reminder_interval"] = 0
        lab.collector.stop()
        lab.collector = CollectorProcess(lab.sections, workdir=lab.workdir,
                                         host="0.0.0.0").start()
        restart_agent(lab)
