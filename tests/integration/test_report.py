"""`collector report` as an operator runs it: a real outage log file, a config, a subprocess."""

import csv
import subprocess
import sys
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
    assert done.stdout.splitlines() == [str(csv_path), str(html_path)]

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
