"""An outage's likely cause from what the site's server reported around the gap, with a real
report log in a temporary directory."""

from __future__ import annotations

import pytest

from collector.alerting.causes import SiteEvidence
from collector.alerting.outage_log import Cause, Evidence, EvidenceKind
from collector.config import parse_config_text
from collector.ingest.reportlog import ReportLog
from collector.snmp.state import SnmpState

pytestmark = pytest.mark.unit

CONFIG = """
agents: {clients: [{name: web, site: opd, token: token-of-web-0123456789}]}
sites:
  - name: opd
    links: [{name: fo, kind: fiber, targets: [192.0.2.2]}]
"""
START, END = 1_800_000_000.0, 1_800_000_300.0


@pytest.fixture
def setup(tmp_path):
    config = parse_config_text(CONFIG, "test.yml")
    log = ReportLog(tmp_path / "reports.sqlite", retention=10 * 86400, clock=lambda: END + 600)
    log.open()
    yield SiteEvidence(config, SnmpState(config), log), log
    log.close()


def report_every_15s(log, boot_time, start, end, seq=1):
    t = start
    while t < end:
        log.record("web", seq, t, boot_time, current=False)
        seq, t = seq + 1, t + 15
    return seq


def test_server_that_booted_shortly_before_the_cut_and_reported_through_it_means_link(setup):
    evidence, log = setup
    booted = START - 60  # a minute before the cut, and it reported in between
    seq = report_every_15s(log, booted, START - 50, START)
    report_every_15s(log, booted, START, END + 30, seq)
    assert evidence.cause("opd", START, END) == (
        Cause.LINK, Evidence(EvidenceKind.SERVER_REPORTED, ("web",)))


def test_server_that_booted_inside_the_gap_means_power(setup):
    evidence, log = setup
    seq = report_every_15s(log, START - 86400, START - 600, START)
    report_every_15s(log, START + 100, START + 110, END + 30, seq)
    cause, found = evidence.cause("opd", START, END)
    assert cause is Cause.POWER
    assert found == Evidence(EvidenceKind.SERVER_BOOTED, ("web",), START + 100)


def test_server_with_no_report_before_the_gap_that_booted_just_before_it_means_power(setup):
    evidence, log = setup
    report_every_15s(log, START - 60, START + 200, END + 30)
    assert evidence.cause("opd", START, END)[0] is Cause.POWER


def test_nothing_reported_means_unknown(setup):
    evidence, _ = setup
    assert evidence.cause("opd", START, END) == (Cause.UNKNOWN, None)
