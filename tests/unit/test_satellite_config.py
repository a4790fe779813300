"""The satellites' config on the core and on a satellite: every mistake named by line and
key."""

from __future__ import annotations

import pytest

from collector.config import parse_config_text
from collector.errors import ConfigError

pytestmark = pytest.mark.unit

CORE = """\
satellites:
  clients: [{name: mamuju, token: sat-token-0123456789}]
sites:
  - name: core
    links: [{name: uplink, kind: fiber, targets: [192.0.2.1]}]
  - name: hotspot
    satellite: mamuju
    links: [{name: radio, kind: wireless, parent: core, targets: [192.0.2.2]}]
"""
SATELLITE = """\
core: {url: "https://pantau.example.org:9147/", name: mamuju, token: sat-token-0123456789}
sites:
  - name: hotspot
    links: [{name: radio, kind: wireless, targets: [192.0.2.2]}]
"""


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, "c.yml")
    return caught.value.errors


def test_a_core_and_a_satellite_as_written_are_valid():
    core = parse_config_text(CORE, "core.yml")
    assert core.site("hotspot").satellite == "mamuju" and core.core is None
    satellite = parse_config_text(SATELLITE, "satellite.yml")
    assert satellite.core is not None and satellite.core.url == "https://pantau.example.org:9147"


@pytest.mark.parametrize(("text", "expected"), [
    (CORE.replace("satellite: mamuju", "satellite: majene"),
     "c.yml:7: sites[1].satellite: 'majene' is not defined (defined: mamuju)"),
    (CORE.replace("clients: [{name: mamuju, token: sat-token-0123456789}]",
                  "clients: [{name: mamuju, token: a-0123456789}, {name: mamuju, "
                  "token: b-0123456789}]"),
     "c.yml:2: satellites.clients[1].name: 'mamuju' is already used by satellites.clients[0]"),
    (CORE.replace("    satellite: mamuju\n", "    satellite: mamuju\n    services: [{kind: "
                  "tcp, name: web, host: 192.0.2.2, port: 80}]\n"),
     "c.yml:8: sites[1].services: a site probed by a satellite has no services yet"),
    (SATELLITE.replace("https://", "ftp://"),
     "c.yml:1: core.url: must be an http:// or https:// URL"),
    (SATELLITE + "satellites: {clients: [{name: x, token: x-0123456789}]}\n",
     "c.yml:5: satellites: a satellite (core is set) has no satellites of its own"),
    (SATELLITE.replace("  - name: hotspot\n", "  - name: hotspot\n    satellite: mamuju\n"),
     "c.yml:4: sites[0].satellite: a satellite's own sites are probed by it"),
])
def test_a_mistake_is_named_by_line_and_key(text, expected):
    found = errors(text)
    assert any(line.startswith(expected) for line in found), found
