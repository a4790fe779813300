"""A satellite collector in a regency office, on the namespace testbed: it pings the hotspot
behind it and sends every round to the core in the governor's building, which evaluates them
as its own, with a real SMTP server. The hotspot's radio going silent is one down mail and
one recovery mail from the core; a cut of the regency's own link, above both the hotspot and the
satellite, is one mail listing the regency and the hotspot behind it: the parent chain
crosses the satellite's boundary."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import yaml

from tests.e2e.test_alerting import Mailbox
from tests.support.collector_process import CollectorProcess, free_port
from tests.support.config_fixtures import ROOT
from tests.support.smtp_server import SmtpServer, mail_section
from tests.support.tls import make_pki
from tests.support.waiting import wait_until
from tests.testbed import Testbed, require_root

pytestmark = pytest.mark.e2e

ROUND = 0.5
TOKEN = "satellite-token-mamuju-0123456789"
ICMP = {"interval": f"{ROUND}s", "jitter": 0, "echoes": 3, "echo_interval": "20ms",
        "timeout": "300ms"}


class SatelliteProcess:
    """``collector run`` with a `core` section, in the regency's namespace."""

    def __init__(self, tb: Testbed, workdir, config: dict) -> None:
        workdir.mkdir()
        self.path = workdir / "satellite.yml"
        self.path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.log: list[str] = []
        self._process = tb.popen("regency", [sys.executable, "-m", "collector", "run", "-c",
                                             str(self.path)], cwd=str(ROOT),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.log.append(line.rstrip("\n"))

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_root()
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    with Testbed() as tb, SmtpServer(pki) as smtp:
        for site in ("core", "regency", "hotspot"):
            tb.add_site(site)
        tb.add_link("core", "uplink", parent=None, kind="fiber")
        tb.add_link("regency", "radio", parent="core", kind="wireless")
        tb.add_link("hotspot", "radio", parent="regency", kind="wireless")
        tb.start()
        sites = {site["name"]: site for site in tb.config_sites()}
        core = CollectorProcess({
            "icmp": ICMP, "state": {"down_after": 3, "up_after": 2},
            "alerting": {"group_window": "2s", "recovery_hold": "2s", "reminder_interval": 0,
                         "degraded_after": "10m"},
            "mail": mail_section(smtp, pki.ca_file),
            "satellites": {"clients": [{"name": "mamuju", "token": TOKEN}]},
            "sites": [sites["core"], sites["regency"],
                      {**sites["hotspot"], "satellite": "mamuju"}],
        }, workdir=tmp_path_factory.mktemp("core"), host="0.0.0.0").start()
        # From the regency, the hotspot is reached directly: its link has no parent there.
        hotspot = {**sites["hotspot"], "links": [
            {**link, "parent": None} for link in sites["hotspot"]["links"]]}
        satellite_dir = tmp_path_factory.mktemp("satellite") / "run"
        satellite = SatelliteProcess(tb, satellite_dir, {
            "collector": {"listen": f"127.0.0.1:{free_port()}",
                          "data_dir": str(satellite_dir / "data")},
            "icmp": ICMP, "state": {"down_after": 3, "up_after": 2},
            "core": {"url": f"http://{tb.collector_address}:{core.port}", "name": "mamuju",
                     "token": TOKEN, "timeout": "2s"},
            "sites": [hotspot]})
        try:
            yield tb, smtp, core, satellite
        finally:
            satellite.stop()
            core.stop()


@pytest.fixture(autouse=True)
def logs_on_failure(request, lab):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _, _, core, satellite = lab
        print("core log:\n" + "\n".join(core.log.splitlines()[-50:]))
        print("satellite log:\n" + "\n".join(satellite.log[-30:]))


def state(core: CollectorProcess, site: str) -> str | None:
    for name in ("up", "down", "unreachable", "degraded", "unknown", "error"):
        if core.value("pantau_site_state", site=site, state=name) == 1.0:
            return name
    return None


def rounds_taken(core: CollectorProcess) -> float:
    return core.value("pantau_satellite_observations_total", satellite="mamuju",
                      kind="icmp") or 0.0


def all_up(core: CollectorProcess) -> None:
    for site in ("core", "regency", "hotspot"):
        wait_until(lambda site=site: state(core, site) == "up", timeout=30,
                   what=f"{site} up at the core (is {state(core, site)})")


def quiet(core: CollectorProcess, rounds: int = 10) -> None:
    start = rounds_taken(core)
    wait_until(lambda: rounds_taken(core) >= start + rounds, timeout=30,
               what=f"{rounds} more rounds from the satellite")


def test_the_satellites_rounds_are_the_cores_to_evaluate(lab):
    _, _, core, satellite = lab
    all_up(core)
    # The core pings only what is its own; the hotspot's rounds are the satellite's, and the
    # echoes they counted are on the core's /metrics as its own rounds' are.
    assert "scheduled 2 icmp" in core.log and "scheduled 1 icmp" in "\n".join(satellite.log)
    taken = rounds_taken(core)
    assert taken > 0
    assert core.value("pantau_icmp_rounds_total", site="hotspot") == taken
    assert core.value("pantau_icmp_echo_requests_total", site="hotspot") == 3 * taken
    assert core.value("pantau_satellite_batches_rejected_total", reason="bad_token") == 0.0
    assert not [line for line in satellite.log if "Traceback" in line]


def test_a_hotspot_cut_behind_the_satellite_is_one_down_and_one_recovery_mail(lab):
    tb, smtp, core, _ = lab
    all_up(core)
    box = Mailbox(smtp)
    # The radio goes silent (every packet toward the hotspot lost): the satellite, right at
    # the link's near end, still has its route, and its echoes go unanswered.
    tb.set_loss("hotspot", "radio", 100)
    try:
        [down] = box.wait("down")
        assert down["X-Pantau-Sites"] == "hotspot"
    finally:
        tb.clear_loss("hotspot", "radio")
    [recovered] = box.wait("recovered")
    assert recovered["X-Pantau-Sites"] == "hotspot"
    quiet(core)
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["down", "recovered"]


def test_a_cut_above_the_satellite_is_one_mail_with_the_hotspot_behind_it(lab):
    tb, smtp, core, _ = lab
    all_up(core)
    box = Mailbox(smtp)
    tb.cut("regency", "radio")
    try:
        [down] = box.wait("down")
        assert down["X-Pantau-Sites"].split(", ") == ["regency", "hotspot"]
        assert state(core, "hotspot") == "unreachable"
    finally:
        tb.restore("regency", "radio")
    [recovered] = box.wait("recovered")
    assert set(recovered["X-Pantau-Sites"].split(", ")) == {"regency", "hotspot"}
    all_up(core)
    quiet(core)
    assert [m["X-Pantau-Event"] for m in box.mails()] == ["down", "recovered"]
