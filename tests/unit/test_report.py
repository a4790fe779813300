"""The monthly report's figures, CSV and HTML, built from outages in memory."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from collector.alerting.outage_log import Cause, Outage
from collector.config import parse_config_text
from collector.config.mail import MailLanguage
from collector.report import charts
from collector.report.html import render_html
from collector.report.monthly import CSV_COLUMNS, build_month, render_csv
from collector.report.period import local_days, month_bounds, parse_month
from collector.words import percent
from collector.words.en import REPORT as ENGLISH
from collector.words.id import REPORT as INDONESIAN

pytestmark = pytest.mark.unit

WITA = timezone(timedelta(hours=8))
H = 3600.0


def wita(*parts: int) -> float:
    return datetime(*parts, tzinfo=WITA).timestamp()


CONFIG = """
sites:
  - name: core
    title: Kantor <Gubernur> & Co
    links: [{name: lan, kind: fiber, targets: [192.0.2.1]}]
  - name: opd
    title: Dinas Kesehatan
    links: [{name: fo, kind: fiber, parent: core, targets: [192.0.2.2]}]
    maintenance:
      - {start: "2026-02-10 08:00", end: "2026-02-10 10:00", reason: <ganti> switch}
"""
FEBRUARY = 28 * 24 * H


def make_outage(id: int, site: str, start: float, end: float | None,
                cause: Cause = Cause.UNKNOWN, planned: bool = False) -> Outage:
    return Outage(id, site, None, start, end, cause, "", planned, None)


@pytest.fixture
def report():
    config = parse_config_text(CONFIG, "c.yml")
    outages = [make_outage(1, "opd", wita(2026, 2, 3, 9), wita(2026, 2, 3, 11), Cause.POWER),
               make_outage(2, "opd", wita(2026, 2, 10, 9), wita(2026, 2, 10, 11), Cause.LINK,
                           planned=True)]
    return build_month(config, outages, 2026, 2, now=wita(2026, 3, 2))


def test_months_are_read_and_bounded_in_the_office_zone():
    assert parse_month("2026-02") == (2026, 2)
    for bad in ("2026-13", "2026-2", "Feb 2026", "2026-00"):
        with pytest.raises(ValueError, match="is not a month"):
            parse_month(bad)
    zone = parse_config_text(CONFIG, "c.yml").collector.zone
    assert month_bounds(2026, 12, zone) == (wita(2026, 12, 1), wita(2027, 1, 1))
    days = local_days(wita(2026, 2, 1), wita(2026, 3, 1), zone)
    assert len(days) == 28
    assert days[0][1] == (wita(2026, 2, 1), wita(2026, 2, 2))


def test_csv_has_one_row_per_site_with_the_figures(report):
    table = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert tuple(table[0]) == CSV_COLUMNS
    core, opd = table
    assert (core["site"], core["availability_ratio"], core["availability_percent"]) == (
        "core", "1.00000000", "100.000")
    assert core["mttr_minutes"] == ""
    # opd: 2 h power cut; the planned outage overran its 2 h window by 1 h.
    judged = FEBRUARY / 60 - 120
    assert float(opd["availability_ratio"]) == pytest.approx(1 - 180 / judged, abs=1e-8)
    assert (opd["outages"], opd["downtime_minutes"], opd["downtime_power_minutes"],
            opd["downtime_link_minutes"], opd["downtime_unknown_minutes"]) == (
        "2", "180.00", "120.00", "60.00", "0.00")
    assert (opd["longest_minutes"], opd["mttr_minutes"], opd["planned_minutes"]) == (
        "120.00", "120.00", "120.00")
    assert float(opd["period_minutes"]) == FEBRUARY / 60


@pytest.mark.parametrize(("ratio", "indonesian", "english"), [
    (1.0, "100%", "100%"),
    (0.99999, "99,99%", "99.99%"),  # never rounded up to 100%
    (0.995, "99,50%", "99.50%"),
    (1 - 3.75 / 720, "99,47%", "99.47%"),
])
def test_percentages_are_cut_not_rounded(ratio, indonesian, english):
    assert percent(INDONESIAN, ratio) == indonesian
    assert percent(ENGLISH, ratio) == english


def test_days_are_coloured_by_their_downtime():
    start = wita(2026, 2, 1)
    downtime = [(start + 1 * 24 * H, start + 1 * 24 * H + 30),        # 2 Feb: 30 s
                (start + 2 * 24 * H, start + 2 * 24 * H + 10 * 60),   # 3 Feb: 10 min
                (start + 3 * 24 * H + 23 * H, start + 4 * 24 * H + 2 * H)]  # 4/5 Feb: 1 h, 2 h
    planned = [(start + 6 * 24 * H, start + 6 * 24 * H + H)]          # 7 Feb
    days = charts.days(downtime, planned, start, wita(2026, 3, 1), now=wita(2026, 2, 9, 12),
                       zone=parse_config_text(CONFIG, "c.yml").collector.zone)
    assert [d.kind for d in days[:10]] == ["clean", "short", "medium", "long", "long", "clean",
                                          "planned", "clean", "clean", "future"]
    assert days[3].downtime == H


def test_the_page_is_self_contained_and_escapes_config_text(report):
    page = render_html(report, MailLanguage.ID)
    assert page.startswith("<!DOCTYPE html>")
    for outside in ("<script", "src=", "url(", "@import", "<link"):
        assert outside not in page
    assert "Kantor &lt;Gubernur&gt; &amp; Co" in page
    assert "<Gubernur>" not in page and "<ganti>" not in page
    assert page.count('class="day ') == 2 * 28  # a strip of February's days per site
    assert "Februari 2026" in page and "Laporan Ketersediaan Jaringan" in page


def test_the_page_speaks_the_configured_language(report):
    page = render_html(report, MailLanguage.EN)
    assert '<html lang="en">' in page
    assert "Network Availability Report" in page and "power cut" in page
    assert "Laporan" not in page


def test_the_worst_site_comes_first(report):
    assert [site.name for site in report.worst_first()] == ["opd", "core"]


SERVICES_CONFIG = CONFIG + """    services:
      - {kind: http, name: simpeg, title: SIMPEG <kepegawaian>, url: "https://simpeg.example.org/"}
      - {kind: dns, name: dns, server: 192.0.2.53, query_name: simpeg.example.org}
"""


@pytest.fixture
def services_report():
    """opd is cut 10:30-11:30 on the 3rd; SIMPEG fails on its own 10:00-10:30 (until the cut
    ends its outage) and 14:00-14:20, and again 09:30-09:50 on the 10th, inside the
    maintenance window."""
    config = parse_config_text(SERVICES_CONFIG, "c.yml")
    service = {"service": "simpeg"}
    outages = [
        make_outage(1, "opd", wita(2026, 2, 3, 10, 30), wita(2026, 2, 3, 11, 30), Cause.LINK),
        Outage(2, "opd", None, wita(2026, 2, 3, 10), wita(2026, 2, 3, 10, 30), Cause.UNKNOWN,
               None, False, None, **service),
        Outage(3, "opd", None, wita(2026, 2, 3, 14), wita(2026, 2, 3, 14, 20), Cause.UNKNOWN,
               None, False, None, **service),
        Outage(4, "opd", None, wita(2026, 2, 10, 9, 30), wita(2026, 2, 10, 9, 50),
               Cause.UNKNOWN, None, True, None, **service),
    ]
    return build_month(config, outages, 2026, 2, now=wita(2026, 3, 2))


def test_a_services_own_downtime_is_apart_from_its_sites(services_report):
    opd = services_report.sites[1]
    assert opd.figures.downtime_seconds == H  # the site's own figures are unchanged
    simpeg, dns = opd.services
    own = simpeg.figures.figures
    assert (simpeg.name, simpeg.kind, own.counted, own.downtime_seconds) == (
        "simpeg", "http", 2, 50 * 60)
    assert simpeg.figures.site_downtime_seconds == H
    # Judged over the month less the site's downtime and its 2 h of maintenance.
    assert own.availability == pytest.approx(1 - 50 * 60 / (FEBRUARY - H - 2 * H), abs=1e-12)
    assert dns.figures.figures.downtime_seconds == 0
    assert dns.figures.figures.availability == 1.0


def test_the_services_csv_says_which_downtime_is_the_services_and_which_the_sites(
        services_report):
    from collector.report.monthly import SERVICE_CSV_COLUMNS, render_services_csv

    rows = list(csv.DictReader(io.StringIO(render_services_csv(services_report))))
    assert tuple(rows[0]) == SERVICE_CSV_COLUMNS
    simpeg, dns = rows
    assert (simpeg["site"], simpeg["service"], simpeg["kind"], simpeg["outages"],
            simpeg["downtime_minutes"], simpeg["site_downtime_minutes"],
            simpeg["longest_minutes"]) == ("opd", "simpeg", "http", "2", "50.00", "60.00",
                                           "30.00")
    assert (dns["service"], dns["availability_ratio"], dns["downtime_minutes"]) == (
        "dns", "1.00000000", "0.00")


def test_the_page_has_a_services_table_under_the_site_with_the_note(services_report):
    page = render_html(services_report, MailLanguage.ID)
    section = page[page.index('id="site-opd"'):]
    table = section[section.index('<table class="services">'):section.index("</table>",
                    section.index('<table class="services">'))]
    assert "SIMPEG &lt;kepegawaian&gt;" in table and "simpeg (http)" in table
    assert "Tak terjangkau (lokasi putus)" in table and "1 jam" in table
    assert "dihitung sebagai waktu putus lokasi, bukan layanan" in section
    core = page[page.index('id="site-core"'):page.index("</section>", page.index('id="site-core"'))]
    assert 'class="services"' not in core  # no services, no table


@pytest.mark.parametrize("language", [MailLanguage.ID, MailLanguage.EN])
def test_the_report_says_nothing_in_the_other_language(services_report, language):
    from html.parser import HTMLParser

    from tests.support.words import foreign_words

    class Text(HTMLParser):
        """The text people read: element text and the attributes shown (titles, labels),
        not the style sheet."""

        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.in_style = False

        def handle_starttag(self, tag, attrs):
            self.in_style = tag == "style"
            self.parts += [value or "" for name, value in attrs
                           if name in ("title", "aria-label", "data-label")]

        def handle_endtag(self, tag):
            self.in_style = False

        def handle_data(self, data: str) -> None:
            if not self.in_style:
                self.parts.append(data)

    parser = Text()
    parser.feed(render_html(services_report, language))
    names = SERVICES_CONFIG + " WITA Asia Makassar"
    assert foreign_words(" ".join(parser.parts), language, names) == set()
