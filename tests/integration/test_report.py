"""`collector report` as an operator runs it: a real outage log file, a config, a subprocess."""

import csv
import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from collector.alerting.outage_log import Cause, OutageLog, outage_log_path
from collector.state.ledger import MonitoringLedger
from tests.support.config_fixtures import INVALID, ROOT

pytestmark = pytest.mark.integration

WITA = timezone(timedelta(hours=8))
H = 3600.0
OCTOBER_HOURS = 31 * 24
SITES = {
    "kantor-gubernur": "Kantor Gubernur Sulawesi Barat",
    "bappeda": "Badan Perencanaan Pembangunan Daerah",
    "dinkes": "Dinas Kesehatan",
}


def wita(*parts: int) -> float:
    return datetime(*parts, tzinfo=WITA).timestamp()


def collector(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "collector", *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    sections = {
        "collector": {"data_dir": str(data), "timezone": "Asia/Makassar"},
        "sites": [
            # Sundays in October 2026: the 4th, 11th, 18th and 25th: four 3 h windows.
            {"name": "kantor-gubernur", "title": SITES["kantor-gubernur"],
             "links": [{"name": "core", "kind": "fiber", "targets": ["192.0.2.1"]}],
             "maintenance": [{"weekly": {"days": ["sun"], "start": "23:00", "duration": "3h"},
                              "reason": "Pemeliharaan rutin"}]},
            {"name": "bappeda", "title": SITES["bappeda"],
             "links": [{"name": "fo", "kind": "fiber", "parent": "kantor-gubernur",
                        "targets": ["192.0.2.20"]}],
             "maintenance": [{"start": "2026-10-10 08:00", "end": "2026-10-10 12:00",
                              "reason": "Ganti switch"}]},
            {"name": "dinkes", "title": SITES["dinkes"],
             "links": [{"name": "fo", "kind": "fiber", "parent": "kantor-gubernur",
                        "targets": ["192.0.2.40"]}]},
        ],
    }
    path = tmp_path / "collector.yml"
    path.write_text(yaml.safe_dump(sections, sort_keys=False))

    log = OutageLog(outage_log_path(data))

    def outage(site, start, end, cause=Cause.UNKNOWN, *, link=None, planned=False, root=None):
        outage_id = log.open(site, link, start, planned=planned, root_site=root)
        if end is not None:
            log.close_outage(outage_id, end, cause, "test")

    # kantor-gubernur: a 3.5 h power cut; a planned outage inside a Sunday window.
    outage("kantor-gubernur", wita(2026, 10, 3, 10), wita(2026, 10, 3, 13, 30), Cause.POWER)
    outage("kantor-gubernur", wita(2026, 10, 11, 23, 30), wita(2026, 10, 12, 1), Cause.LINK,
           planned=True)
    # bappeda: 4 h crossing into October (2 h count), cut off behind the governor's office
    # for 3.5 h, a planned outage inside its window, and a 45 min link cut.
    outage("bappeda", wita(2026, 9, 30, 22), wita(2026, 10, 1, 2), Cause.LINK)
    outage("bappeda", wita(2026, 10, 3, 10), wita(2026, 10, 3, 13, 30),
           root="kantor-gubernur")
    outage("bappeda", wita(2026, 10, 10, 9), wita(2026, 10, 10, 11), Cause.LINK, planned=True)
    outage("bappeda", wita(2026, 10, 20, 10), wita(2026, 10, 20, 10, 45), Cause.LINK)
    # dinkes: one link alone down (not the site), and an outage still open since 20:00 on
    # the 31st: 4 h to the month's end. November's outages are not October's.
    outage("dinkes", wita(2026, 10, 5, 8), wita(2026, 10, 5, 9), Cause.LINK, link="fo")
    outage("dinkes", wita(2026, 10, 31, 20), None)
    outage("kantor-gubernur", wita(2026, 11, 2, 8), wita(2026, 11, 2, 9), Cause.POWER)
    log.close()
    # The collector watched every site from before the month to after it.
    watched(data, SITES, [(wita(2026, 9, 25), wita(2026, 11, 5))])
    return path


def watched(data: Path, sites, spans) -> None:
    """Rounds judged all through each of ``spans``, as the running collector records them."""
    ledger = MonitoringLedger(outage_log_path(data))
    for site in sites:
        for start, end in spans:
            ledger.judged(site, start, max_gap=0)
            ledger.judged(site, end, max_gap=end - start)
            ledger.not_judged(site)
    ledger.close()


def test_a_collector_that_ran_part_of_the_month_reports_that_part_as_monitored(
        tmp_path: Path) -> None:
    """First run on the 4th, stopped for the whole 15th: those four days are unmonitored, not
    available, and availability is judged over the 27 monitored days."""
    data = tmp_path / "data"
    sections = {"collector": {"data_dir": str(data), "timezone": "Asia/Makassar"},
                "sites": [{"name": "dinkes", "title": SITES["dinkes"],
                           "links": [{"name": "fo", "kind": "fiber",
                                      "targets": ["192.0.2.40"]}]}]}
    path = tmp_path / "collector.yml"
    path.write_text(yaml.safe_dump(sections, sort_keys=False))
    log = OutageLog(outage_log_path(data))
    outage_id = log.open("dinkes", None, wita(2026, 10, 20, 10))
    log.close_outage(outage_id, wita(2026, 10, 20, 11), Cause.LINK, "")
    log.close()
    watched(data, ["dinkes"], [(wita(2026, 10, 4), wita(2026, 10, 15)),
                               (wita(2026, 10, 16), wita(2026, 11, 1))])
    out = tmp_path / "out"
    done = collector("report", "--month", "2026-10", "-c", str(path), "--out", str(out))
    assert done.returncode == 0, done.stderr
    with (out / "pantau-availability-2026-10.csv").open(newline="", encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert float(row["monitored_minutes"]) == pytest.approx(27 * 24 * 60)
    assert float(row["unmonitored_minutes"]) == pytest.approx(4 * 24 * 60)
    assert float(row["coverage_ratio"]) == pytest.approx(27 / 31, abs=1e-8)
    assert float(row["availability_ratio"]) == pytest.approx(1 - 1 / (27 * 24), abs=1e-8)
    page = PageParser.parse((out / "pantau-availability-2026-10.html").read_text())
    # The 1st to 3rd and the 15th in the unmonitored colour, never as days without outages.
    assert page.classes.count("unmonitored") == 4
    assert "tidak terpantau" in page.text.lower()


def test_report_writes_the_months_figures(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    csv_path = out / "pantau-availability-2026-10.csv"
    html_path = out / "pantau-availability-2026-10.html"
    outages_path = out / "pantau-outages-2026-10.csv"
    services_path = out / "pantau-services-2026-10.csv"
    assert done.stdout.splitlines() == [str(csv_path), str(services_path), str(outages_path),
                                        str(html_path)]

    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = {row["site"]: row for row in csv.DictReader(handle)}
    assert list(rows) == list(SITES)

    def ratio(site: str) -> float:
        return float(rows[site]["availability_ratio"])

    # period − planned time in the denominator, unplanned downtime above it
    assert ratio("kantor-gubernur") == pytest.approx(1 - 3.5 / (OCTOBER_HOURS - 4 * 3), abs=1e-8)
    assert ratio("bappeda") == pytest.approx(1 - (2 + 3.5 + 0.75) / (OCTOBER_HOURS - 4),
                                             abs=1e-8)
    assert ratio("dinkes") == pytest.approx(1 - 4 / OCTOBER_HOURS, abs=1e-8)
    assert float(rows["dinkes"]["availability_percent"]) == pytest.approx(
        100 * (1 - 4 / OCTOBER_HOURS), abs=1e-3)

    bappeda = rows["bappeda"]
    assert int(bappeda["outages"]) == 3
    assert float(bappeda["downtime_minutes"]) == pytest.approx(6.25 * 60)
    assert float(bappeda["downtime_link_minutes"]) == pytest.approx(2.75 * 60)
    assert float(bappeda["downtime_unknown_minutes"]) == pytest.approx(3.5 * 60)
    assert float(bappeda["downtime_power_minutes"]) == 0
    assert float(bappeda["longest_minutes"]) == pytest.approx(3.5 * 60)
    # recovered in October after 4 h (whole, not only its October part), 3.5 h and 45 min
    assert float(bappeda["mttr_minutes"]) == pytest.approx((240 + 210 + 45) / 3)
    assert float(bappeda["planned_minutes"]) == pytest.approx(4 * 60)
    assert float(rows["kantor-gubernur"]["planned_minutes"]) == pytest.approx(12 * 60)
    assert float(rows["kantor-gubernur"]["downtime_power_minutes"]) == pytest.approx(3.5 * 60)
    assert rows["dinkes"]["mttr_minutes"] == ""
    assert int(rows["dinkes"]["outages"]) == 1

    page = PageParser.parse(html_path.read_text(encoding="utf-8"))
    assert page.tags["html"] == 1 and page.tags["table"] >= 1
    assert "script" not in page.tags
    for name, title in SITES.items():
        assert f"site-{name}" in page.ids
        assert title in page.text
    assert page.tags["svg"] >= 2 * len(SITES)  # a bar and a strip per site at least
    # one cell per October day in each site's strip
    assert page.classes.count("day") == 31 * len(SITES)
    assert not page.external, "the page must not fetch anything"


def test_report_refuses_a_bad_config_with_status_2(tmp_path: Path) -> None:
    done = collector("report", "--month", "2026-10", "-c", str(INVALID[0]),
                     "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip()
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("month", ["2026-13", "October"])
def test_report_refuses_a_bad_month_with_status_2(config: Path, month: str) -> None:
    done = collector("report", "--month", month, "-c", str(config))
    assert done.returncode == 2
    assert "is not a month" in done.stderr


def test_report_refuses_a_month_not_begun(config: Path, tmp_path: Path) -> None:
    done = collector("report", "--month", "2999-01", "-c", str(config), "--out", str(tmp_path))
    assert done.returncode == 2
    assert "2999-01 has not begun" in done.stderr


def test_report_without_an_outage_log_says_where_it_looked(config: Path, tmp_path: Path) -> None:
    log = outage_log_path(tmp_path / "data")
    log.unlink()
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(tmp_path))
    assert done.returncode == 1
    assert f"no outage log at {log}" in done.stderr
    assert not log.exists(), "a report must not create an empty outage log"


class PageParser(HTMLParser):
    """Counts of tags, the ids and classes used, the text, and any reference outside."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.ids: set[str] = set()
        self.classes: list[str] = []
        self.text = ""
        self.external: list[str] = []

    @classmethod
    def parse(cls, page: str) -> "PageParser":
        parser = cls()
        parser.feed(page)
        parser.close()
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name == "class" and value:
                self.classes.extend(value.split())
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)

    def handle_data(self, data: str) -> None:
        self.text += data


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_outage_csv_has_one_row_per_outage_with_times_to_the_second(
        config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(out),
                     "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = read_csv(out / "pantau-outages-2026-10.csv")
    # Every outage overlapping October, a link's alone included; November's not.
    assert [(r["site"], r["link"]) for r in rows] == [
        ("bappeda", ""), ("kantor-gubernur", ""), ("bappeda", ""), ("dinkes", "fo"),
        ("bappeda", ""), ("kantor-gubernur", ""), ("bappeda", ""), ("dinkes", "")]
    crossing = rows[0]
    assert crossing["start"] == "2026-09-30T22:00:00+08:00"
    assert crossing["end"] == "2026-10-01T02:00:00+08:00"
    assert int(crossing["duration_seconds"]) == 4 * 3600
    assert int(crossing["downtime_seconds"]) == 2 * 3600  # only October's part counts
    behind = rows[2]
    assert (behind["behind"], behind["cause"]) == ("kantor-gubernur", "unknown")
    planned = rows[4]
    assert planned["planned"] == "yes" and int(planned["downtime_seconds"]) == 0
    link_alone = rows[3]
    assert link_alone["downtime_seconds"] == ""
    ongoing = rows[-1]
    assert ongoing["end"] == "" and int(ongoing["downtime_seconds"]) == 4 * 3600
    # The sites' CSV and the outage CSV agree on the downtime.
    sites = {r["site"]: r for r in read_csv(out / "pantau-availability-2026-10.csv")}
    for site in SITES:
        total = sum(int(r["downtime_seconds"] or 0) for r in rows if r["site"] == site)
        assert total == pytest.approx(float(sites[site]["downtime_minutes"]) * 60, abs=1)


def test_one_sites_report_alone(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(out),
                     "--site", "bappeda")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "pantau-availability-2026-10-bappeda.csv", "pantau-availability-2026-10-bappeda.html",
        "pantau-outages-2026-10-bappeda.csv", "pantau-services-2026-10-bappeda.csv"]
    [row] = read_csv(out / "pantau-availability-2026-10-bappeda.csv")
    assert row["site"] == "bappeda"
    assert float(row["availability_ratio"]) == pytest.approx(
        1 - (2 + 3.5 + 0.75) / (OCTOBER_HOURS - 4), abs=1e-8)
    assert {r["site"] for r in read_csv(out / "pantau-outages-2026-10-bappeda.csv")} == {
        "bappeda"}
    page = (out / "pantau-availability-2026-10-bappeda.html").read_text(encoding="utf-8")
    assert SITES["bappeda"] in page and SITES["dinkes"] not in page
    wrong = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(out),
                      "--site", "nowhere")
    assert wrong.returncode == 2
    assert "'nowhere' is not defined (defined: bappeda, dinkes, kantor-gubernur)" in wrong.stderr


def test_a_bad_format_is_refused_with_status_2(config: Path, tmp_path: Path) -> None:
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out",
                     str(tmp_path / "out"), "--format", "docx")
    assert done.returncode == 2
    assert "'docx' is not a format" in done.stderr


def test_the_pdf_prints_on_a4_with_the_same_figures_as_the_csv(config: Path,
                                                                tmp_path: Path) -> None:
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing (Debian package poppler-utils; scripts/test "
                        "installs it when run as root)")
    out = tmp_path / "out"
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(out),
                     "--format", "all")
    assert done.returncode == 0, done.stderr
    pdf = out / "pantau-availability-2026-10.pdf"
    assert str(pdf) in done.stdout.splitlines()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    # A4: 595 × 842 points.
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info.stdout), info.stdout
    # Rendered, page by page, to images that are not blank.
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and all(p.stat().st_size > 2000 for p in pages)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    rows = {r["site"]: r for r in read_csv(out / "pantau-availability-2026-10.csv")}
    for site, title in SITES.items():
        assert title in " ".join(text.split())
        # The percent the CSV gives, cut to two decimals with the Indonesian decimal mark.
        percent = float(rows[site]["availability_percent"])
        shown = f"{int(percent * 100) / 100:.2f}".replace(".", ",") + "%"
        assert shown in text, (site, shown)


def test_the_page_does_not_scroll_sideways_on_a_phone(config: Path, tmp_path: Path) -> None:
    """Laid out 360 CSS pixels wide in a real Chromium, nothing is wider than the screen.

    The report is shown in a 360 px frame of a probe page, both served from loopback (one
    origin, so the probe may measure the frame; the report itself has no script)."""
    from tests.support.chromium import HeadlessChromium, require_chromium

    chromium = HeadlessChromium(require_chromium())
    out = tmp_path / "out"
    done = collector("report", "--month", "2026-10", "-c", str(config), "--out", str(out),
                     "--format", "html")
    assert done.returncode == 0, done.stderr
    for width in (360, 1024):
        (out / f"probe-{width}.html").write_text(
            f'<!DOCTYPE html><html><body><iframe id="f" src="pantau-availability-2026-10.html" '
            f'style="width:{width}px;height:800px;border:0"></iframe><script>'
            "addEventListener('load', () => { const d = document.getElementById('f');"
            "document.body.setAttribute('data-widths', "
            "d.contentDocument.documentElement.scrollWidth + ' ' + d.contentWindow.innerWidth);"
            "});</script></body></html>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for width in (360, 1024):
            dom = chromium.dump_dom(f"http://127.0.0.1:{server.server_port}/probe-{width}.html")
            found = re.search(r'data-widths="(\d+) (\d+)"', dom)
            assert found, "the page was not laid out"
            scroll, screen = int(found[1]), int(found[2])
            assert screen == width
            assert scroll <= screen, f"{scroll} px of content on a {screen} px screen"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
