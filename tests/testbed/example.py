"""The small network most end-to-end tests run on.

    noc ── core ──fo── opd1
             ├──radio── relay ──radio── hotspot
             ├──fo───── dual
             └ (relay) ─backup── dual        dual hangs on core (fibre) and relay (wireless)
"""

from __future__ import annotations

from .testbed import Testbed

EXAMPLE_SITES = ("core", "opd1", "relay", "hotspot", "dual")
EXAMPLE_LINKS = (("core", "uplink"), ("opd1", "fo"), ("relay", "radio"), ("hotspot", "radio"),
                 ("dual", "fo"), ("dual", "backup"))


def declare_example(tb: Testbed) -> None:
    for site in EXAMPLE_SITES:
        tb.add_site(site)
    tb.add_link("core", "uplink", parent=None, kind="fiber")
    tb.add_link("opd1", "fo", parent="core", kind="fiber")
    tb.add_link("relay", "radio", parent="core", kind="wireless")
    tb.add_link("hotspot", "radio", parent="relay", kind="wireless")
    tb.add_link("dual", "fo", parent="core", kind="fiber")
    tb.add_link("dual", "backup", parent="relay", kind="wireless")
