"""The site tree built once from a config: order, parents, the cut above a site, and the
links a device's interfaces carry."""

from __future__ import annotations

import pytest

from collector.config import parse_config_text
from collector.topology import Topology

pytestmark = pytest.mark.unit

# Written children first on purpose. core <- relay <- hotspot <- kiosk; dual on core and relay;
# the relay's radio link rides the core router's port wlan1.
CONFIG = """
auths: {lab: {version: 2c, community: public}}
sites:
  - name: kiosk
    links: [{name: radio, kind: wireless, parent: hotspot, targets: [198.18.0.5]}]
  - name: dual
    links:
      - {name: fo, kind: fiber, parent: core, targets: [198.18.0.6]}
      - {name: backup, kind: wireless, parent: relay, targets: [198.18.0.7]}
  - name: hotspot
    links: [{name: radio, kind: wireless, parent: relay, targets: [198.18.0.4]}]
  - name: relay
    title: Menara relay
    links:
      - {name: radio, kind: wireless, parent: core, targets: [198.18.0.3],
         interface: {site: core, device: router, name: wlan1}}
  - name: core
    links: [{name: uplink, kind: fiber, targets: [198.18.0.1]}]
    devices: [{name: router, address: 198.18.0.1, auth: lab}]
"""


@pytest.fixture
def tree() -> Topology:
    return Topology(parse_config_text(CONFIG, "test.yml"))


def test_every_site_comes_after_all_of_its_parents(tree):
    order = [site.name for site in tree.order]
    assert sorted(order) == ["core", "dual", "hotspot", "kiosk", "relay"]
    for site in tree.order:
        for parent in tree.parents(site.name):
            assert order.index(parent) < order.index(site.name)


def test_parents_titles_and_single_links(tree):
    assert tree.parents("dual") == ("core", "relay")
    assert tree.parents("core") == ()
    assert tree.title("relay") == "Menara relay"
    assert tree.single_link("relay") and not tree.single_link("dual")


@pytest.mark.parametrize(("site", "down", "cut"), [
    ("kiosk", {"relay"}, "relay"),
    ("kiosk", {"relay", "hotspot"}, "hotspot"),   # the nearest failure explains it
    ("kiosk", {"core"}, "core"),
    ("kiosk", set(), None),
    ("dual", {"relay"}, "relay"),
    ("core", {"core"}, None),                      # a site is not behind itself
])
def test_the_cut_above_a_site_is_the_nearest_failed_site(tree, site, down, cut):
    assert tree.cut_above(site, lambda name: name in down) == cut


def test_the_links_a_devices_interfaces_carry(tree):
    assert tree.carried_by("core", "router") == [("relay", "radio", "wlan1")]
    assert tree.carried_by("relay", "router") == []
