"""The status page rendered from a state store fed with made-up rounds and a fake clock."""

from html.parser import HTMLParser

import pytest

from collector.config import parse_config_text
from collector.icmp import PingResult
from collector.state import StateStore
from collector.status import render_page
from collector.status.page import refresh_seconds
from tests.support.status_dom import VOID, read_status_page

pytestmark = pytest.mark.unit

# 13.05 WITA on Saturday 29 November 2025 (05:05 UTC).
T0 = 1_764_392_700.0
HOSTILE = '<script>alert("x")</script> & <b>Dinas</b>'

# core <- opd (fiber); core <- relay (wireless) <- hotspot <- kiosk; dual on core and relay.
SITES = f"""
state: {{down_after: 2, up_after: 2, window: 3, degraded_loss: 0.15}}
sites:
  - name: core
    title: Kantor Gubernur
    links: [{{name: uplink, kind: fiber, targets: [198.18.0.10]}}]
  - name: opd
    title: '{HOSTILE}'
    links: [{{name: fo, kind: fiber, parent: core, targets: [198.18.1.2]}}]
  - name: relay
    title: Menara Relay Mamuju
    links: [{{name: radio, kind: wireless, parent: core, targets: [198.18.2.2]}}]
  - name: hotspot
    title: Hotspot Taman Kota
    links: [{{name: radio, kind: wireless, parent: relay, targets: [198.18.3.2]}}]
  - name: kiosk
    links: [{{name: radio, kind: wireless, parent: hotspot, targets: [198.18.6.2]}}]
  - name: dual
    title: Bappeda
    links:
      - {{name: fo, kind: fiber, parent: core, targets: [198.18.4.2]}}
      - {{name: backup, kind: wireless, parent: relay, targets: [198.18.5.2]}}
"""
TARGETS = {
    "core": ["198.18.0.10"], "opd": ["198.18.1.2"], "relay": ["198.18.2.2"],
    "hotspot": ["198.18.3.2"], "kiosk": ["198.18.6.2"], "dual": ["198.18.4.2", "198.18.5.2"],
}
WITH_SIMPEG = SITES.replace(
    "    title: Bappeda\n",
    "    title: Bappeda\n    services:\n"
    "      - {kind: http, name: simpeg, title: SIMPEG, url: 'https://simpeg.example.org/',"
    " down_after: 1}\n")
"""The sites, Bappeda with its SIMPEG checked."""
BEHIND_RELAY = {"198.18.2.2", "198.18.3.2", "198.18.5.2", "198.18.6.2"}


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def make(settings: str = ""):
    clock = FakeClock()
    config = parse_config_text(settings + SITES, "test.yml")
    return StateStore(config, clock=clock), config, clock


def reply(target: str, rtts=(0.002, 0.003, 0.004), sent: int = 3) -> PingResult:
    return PingResult(target, sent, len(rtts), tuple(rtts))


def rounds(store, clock, count: int = 1, lost=frozenset(), special=None) -> None:
    special = special or {}
    for _ in range(count):
        clock.now += 10
        for site, targets in TARGETS.items():
            results = {t: special.get(t) or reply(t, () if t in lost else (0.002, 0.003, 0.004))
                       for t in targets}
            store.record_round(site, results, 0.1)


def page(store, config, clock):
    html = render_page(store, config, clock.now)
    return html, read_status_page(html)


class WellFormed(HTMLParser):
    """Every element the page opens, it closes, in order: no browser repair needed."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def test_every_site_appears_up_with_its_links_and_the_summary_counts_them():
    store, config, clock = make()
    rounds(store, clock)
    html, dom = page(store, config, clock)
    assert set(dom.sites) == set(TARGETS)
    assert {s.state for s in dom.sites.values()} == {"up"}
    assert {s.section for s in dom.sites.values()} == {"healthy"}
    assert dom.order() == list(TARGETS)
    assert set(dom.sites["dual"].links) == {"fo", "backup"}
    assert dom.counts == {"up": 6, "degraded": 0, "down": 0, "unreachable": 0}
    assert "6 normal 0 terganggu 0 putus 0 tak terjangkau" in dom.text
    assert dom.title.startswith("Pantau")
    checker = WellFormed()
    checker.feed(html)
    checker.close()
    assert checker.stack == []


def test_a_cut_site_holds_the_sites_behind_it_and_comes_first():
    store, config, clock = make()
    rounds(store, clock)
    rounds(store, clock, count=4, lost=BEHIND_RELAY)
    _, dom = page(store, config, clock)
    relay = dom.sites["relay"]
    assert (relay.state, relay.inside, relay.section) == ("down", None, "problems")
    assert relay.links["radio"].state == "down"
    assert "PUTUS" in relay.text
    # One outage, not three: what hangs behind the relay is listed in its box only.
    assert (dom.sites["hotspot"].state, dom.sites["hotspot"].inside) == ("unreachable", "relay")
    assert (dom.sites["kiosk"].state, dom.sites["kiosk"].inside) == ("unreachable", "relay")
    assert "Ikut terputus di belakangnya: 2 lokasi" in relay.text
    assert dom.sites["kiosk"].text.split().count("kiosk") == 1  # no title: the name, once
    assert dom.order()[0] == "relay"
    dual = dom.sites["dual"]
    assert (dual.state, dual.inside, dual.section) == ("up", None, "healthy")
    assert dual.links["backup"].state == "unreachable"
    assert dual.links["fo"].state == "up"
    assert dom.counts == {"up": 3, "degraded": 0, "down": 1, "unreachable": 2}
    assert dom.title.startswith("(3) Pantau")
    # Whenever the store dates the cut, the office reads it in WITA.
    since = store.sites["relay"].since
    assert T0 < since < clock.now
    assert f"sejak 13.05 WITA ({int(clock.now - since)} detik)" in relay.text


def test_last_round_loss_and_median_rtt_per_link_in_indonesian_numbers():
    store, config, clock = make()
    rounds(store, clock, special={
        "198.18.1.2": reply("198.18.1.2", (0.0121, 0.0125, 0.0300, 0.0110), sent=5),
        # Two targets of one link count as one round: 6 sent, 3 back, RTTs pooled.
        "198.18.4.2": reply("198.18.4.2", (0.001, 0.002), sent=3),
        "198.18.5.2": reply("198.18.5.2", (0.005,), sent=3),
        # A LAN answers within a millisecond: still not 0 ms.
        "198.18.0.10": reply("198.18.0.10", (0.00004, 0.00005, 0.00007)),
    })
    _, dom = page(store, config, clock)
    opd = dom.sites["opd"].links["fo"]
    assert (opd.loss, opd.rtt) == ("20%", "12,3 ms")
    assert dom.sites["opd"].state == "degraded"
    assert dom.sites["opd"].section == "problems"
    assert (dom.sites["dual"].links["fo"].loss, dom.sites["dual"].links["fo"].rtt) == (
        "33,3%", "1,5 ms")
    assert dom.sites["core"].links["uplink"].rtt == "0,05 ms"
    assert "fiber · lewat core" in opd.text
    assert "wireless · lewat relay" in dom.sites["dual"].links["backup"].text
    assert "fiber · langsung" in dom.sites["core"].links["uplink"].text


def test_problems_first_worst_first_then_unknown_then_healthy():
    store, config, clock = make()
    rounds(store, clock)
    # opd degraded by loss, relay cut; core and dual stay up.
    half = {"198.18.1.2": reply("198.18.1.2", (0.002,), sent=2)}
    rounds(store, clock, count=4, lost=BEHIND_RELAY, special=half)
    _, dom = page(store, config, clock)
    assert [(n, dom.sites[n].state) for n in dom.order()] == [
        ("relay", "down"), ("opd", "degraded"), ("core", "up"), ("dual", "up")]


def test_before_any_round_every_site_is_shown_as_not_judged_yet():
    store, config, clock = make()
    _, dom = page(store, config, clock)
    assert {s.section for s in dom.sites.values()} == {"unknown"}
    assert dom.counts["unknown"] == 6
    assert dom.sites["core"].links["uplink"].loss == "–"
    assert "BELUM DIKETAHUI" in dom.sites["core"].text


def test_hostile_title_is_shown_as_text_never_as_markup():
    store, config, clock = make()
    rounds(store, clock)
    html, dom = page(store, config, clock)
    assert "<script" not in html
    assert "<b>Dinas" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Dinas" in html
    assert HOSTILE in dom.sites["opd"].text


def test_english_and_another_zone_when_the_config_asks():
    store, config, clock = make("mail: {language: en}\ncollector: {timezone: Asia/Jakarta}\n")
    rounds(store, clock)
    rounds(store, clock, count=3, lost={"198.18.1.2"})
    _, dom = page(store, config, clock)
    opd = dom.sites["opd"]
    assert "DOWN" in opd.text
    assert f"since 12:05 WIB ({int(clock.now - store.sites['opd'].since)} s)" in opd.text
    assert "Updated 29 Nov 2025 12:05:40 WIB" in dom.text
    assert "5 up 0 degraded 1 down 0 unreachable" in dom.text


def test_the_date_is_shown_once_a_state_began_on_another_day():
    store, config, clock = make()
    rounds(store, clock)
    clock.now += 86400
    _, dom = page(store, config, clock)
    assert "sejak 29 Nov 13.05 WITA (1 hari)" in dom.sites["core"].text
    assert "Diperbarui 30 Nov 2025 13.05.10 WITA" in dom.text


@pytest.mark.parametrize(("interval", "expected"), [("30s", 15), ("10s", 10), ("2s", 5)])
def test_the_page_reloads_with_the_rounds_but_not_faster_than_it_can_be_read(interval, expected):
    store, config, clock = make(
        f"icmp: {{interval: {interval}, jitter: 0, echoes: 1, timeout: 1s}}\n")
    assert refresh_seconds(config) == expected
    _, dom = page(store, config, clock)
    assert dom.refresh == str(expected)


def test_a_link_that_cannot_be_checked_is_shown_as_such_among_the_problems():
    from collector.icmp import PingError

    store, config, clock = make()
    rounds(store, clock)
    blocked = PingResult("198.18.1.2", 0, 0, (), PingError.NOT_PERMITTED)
    rounds(store, clock, count=3, special={"198.18.1.2": blocked})
    _, dom = page(store, config, clock)
    opd = dom.sites["opd"]
    assert (opd.state, opd.section) == ("error", "problems")
    assert opd.links["fo"].state == "error"
    assert "TIDAK DAPAT DIPERIKSA" in opd.text
    assert dom.counts["error"] == 1
    assert "1 tidak dapat diperiksa" in dom.text
    assert dom.order()[0] == "opd"


def test_services_are_shown_under_their_site_with_state_and_last_problem():
    from collector.state.services import ServiceResult, ServiceState

    _, _, clock = make()
    config = parse_config_text(WITH_SIMPEG, "test.yml")
    store = StateStore(config, clock=clock)
    rounds(store, clock)
    services = ServiceState(config, store, clock=clock)
    services.record(ServiceResult("dual", "simpeg", "http", clock.now, 0.3, "status",
                                  status_code=502))
    html = render_page(store, config, clock.now, services)
    assert 'data-service="simpeg" data-state="down"' in html
    assert "SIMPEG" in html and "HTTP 502" in html and "Masalah terakhir" in html
    assert "simpeg" not in render_page(store, config, clock.now)  # not without the checks


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_page_says_nothing_in_the_other_language(language):
    from collector.config.mail import MailLanguage
    from collector.state.services import ServiceResult, ServiceState
    from tests.support.words import foreign_words

    _, _, clock = make()
    config = parse_config_text(f"mail: {{language: {language}}}\n" + WITH_SIMPEG, "test.yml")
    store = StateStore(config, clock=clock)
    rounds(store, clock, count=4, lost=BEHIND_RELAY)  # the relay cut, with what hangs on it
    services = ServiceState(config, store, clock=clock)
    services.record(ServiceResult("dual", "simpeg", "http", clock.now, 0.3, "timeout"))
    html = render_page(store, config, clock.now, services)
    text = read_status_page(html).text
    assert foreign_words(text, MailLanguage(language), SITES + HOSTILE + " WITA") == set()


def test_an_outage_taken_in_hand_says_who_and_since_when_on_its_site_link_and_service():
    from collector.alerting.outage_log import Acknowledgement
    from collector.state.services import ServiceResult, ServiceState

    _, _, clock = make()
    config = parse_config_text(WITH_SIMPEG, "test.yml")
    store = StateStore(config, clock=clock)
    rounds(store, clock, count=4, lost=BEHIND_RELAY)
    services = ServiceState(config, store, clock=clock)
    services.record(ServiceResult("dual", "simpeg", "http", clock.now, 0.3, "timeout"))
    taken = clock.now - 90
    acks = {("relay", None, None): Acknowledgement("Budi (@budi_noc)", taken),
            ("dual", "backup", None): Acknowledgement("<Andi & co>", taken),
            ("dual", None, "simpeg"): Acknowledgement("Sari", taken)}
    html = render_page(store, config, clock.now, services, acks)
    WellFormed().feed(html)
    relay = html.split('data-site="relay"', 1)[1].split("</article>", 1)[0]
    assert 'data-acked-by="Budi (@budi_noc)">Ditangani Budi (@budi_noc) sejak ' in relay
    dual = html.split('data-site="dual"', 1)[1].split("</article>", 1)[0]
    backup = dual.split('data-link="backup"', 1)[1].split("</tr>", 1)[0]
    assert "Ditangani &lt;Andi &amp; co&gt; sejak" in backup and "<Andi" not in html
    simpeg = dual.split('data-service="simpeg"', 1)[1].split("</tr>", 1)[0]
    assert 'data-acked-by="Sari"' in simpeg
    assert "data-acked-by" not in render_page(store, config, clock.now, services)
