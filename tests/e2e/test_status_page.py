"""The status page of the real collector on the namespace testbed, as a real browser shows it.

Chromium renders the page on a phone-sized window before and after the relay's radio is cut;
the screenshots are kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.support.chromium import HeadlessChromium, require_chromium
from tests.support.config_fixtures import ROOT
from tests.support.example_network import wait_all_links_up, watched_example
from tests.support.status_dom import read_status_page
from tests.testbed import require_root
from tests.testbed.example import EXAMPLE_LINKS, EXAMPLE_SITES

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "test-artifacts"
PHONE = (390, 1400)


@pytest.fixture(scope="module")
def browser():
    require_root()
    return HeadlessChromium(require_chromium())


@pytest.fixture(scope="module")
def network(browser):
    with watched_example() as running:
        yield running


@pytest.fixture
def healthy(network):
    wait_all_links_up(network[1])
    return network


def test_the_page_is_html_that_no_cache_keeps(healthy):
    _, collector = healthy
    with urllib.request.urlopen(collector.base + "/", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-store"
        body = response.read().decode("utf-8")
    assert set(read_status_page(body).sites) == set(EXAMPLE_SITES)


def test_browser_shows_every_site_then_the_cut_relay_with_the_hotspot_behind_it(
        healthy, browser):
    tb, collector = healthy
    url = collector.base + "/"
    dom = read_status_page(browser.dump_dom(url))
    assert set(dom.sites) == set(EXAMPLE_SITES)
    assert {name: site.state for name, site in dom.sites.items()} == dict.fromkeys(
        EXAMPLE_SITES, "up")
    assert {(name, link) for name, site in dom.sites.items() for link in site.links} == set(
        EXAMPLE_LINKS)
    # Veths answer within a millisecond; a figure, not a dash, proves the last round was read.
    assert dom.sites["opd1"].links["fo"].loss == "0%"
    assert re.fullmatch(r"0,\d\d ms", dom.sites["opd1"].links["fo"].rtt)
    assert dom.counts == {"up": 5, "degraded": 0, "down": 0, "unreachable": 0}
    browser.screenshot(url, ARTIFACTS / "status-page-ok.png", *PHONE)

    tb.cut("relay", "radio")
    try:
        collector.wait_link_state("relay", "radio", "down")
        collector.wait_link_state("hotspot", "radio", "unreachable")
        collector.wait_link_state("dual", "backup", "unreachable")
        dom = read_status_page(browser.dump_dom(url))
        browser.screenshot(url, ARTIFACTS / "status-page.png", *PHONE)
    finally:
        tb.restore("relay", "radio")

    relay = dom.sites["relay"]
    assert (relay.state, relay.inside, relay.section) == ("down", None, "problems")
    assert "PUTUS" in relay.text
    assert dom.order()[0] == "relay"
    hotspot = dom.sites["hotspot"]
    assert (hotspot.state, hotspot.inside) == ("unreachable", "relay")
    dual = dom.sites["dual"]
    assert (dual.state, dual.inside, dual.section) == ("up", None, "healthy")
    assert (dual.links["fo"].state, dual.links["backup"].state) == ("up", "unreachable")
    assert dom.counts == {"up": 3, "degraded": 0, "down": 1, "unreachable": 1}
    collector.wait_link_state("hotspot", "radio", "up", timeout=30)
