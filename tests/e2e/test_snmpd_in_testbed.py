"""snmpd inside a testbed site, reached from the collector's (root) namespace over the links."""

from __future__ import annotations

import functools

import pytest

from tests.support.snmpd import SnmpAgent, free_udp_port
from tests.testbed import require_root
from tests.testbed.example import declare_example

pytestmark = pytest.mark.e2e

SYS_NAME = "1.3.6.1.2.1.1.5.0"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"


@pytest.fixture
def relay_agent(make_testbed, tmp_path):
    require_root()
    tb = make_testbed()
    declare_example(tb)
    tb.start()
    agent = SnmpAgent(address=tb.target("relay", "radio"), port=free_udp_port(),
                      sys_name="relay-radio", netns=tb.netns("relay"),
                      popen=functools.partial(tb.popen, "relay"), workdir=tmp_path)
    try:
        agent.start()
        yield tb, agent
    finally:
        agent.close()


def test_snmpd_in_a_site_answers_the_root_namespace_on_the_link_address(relay_agent):
    tb, agent = relay_agent
    assert agent.get(SYS_NAME, from_root=True)[SYS_NAME] == 'STRING: "relay-radio"'
    assert agent.get(SYS_NAME, version="3", from_root=True)[SYS_NAME] == 'STRING: "relay-radio"'
    # The agent sees the site's interfaces, not the host's: it really runs in the namespace.
    site_links = tb.run("relay", ["ip", "-o", "link", "show"]).stdout
    site_names = {line.split(": ")[1].split("@")[0] for line in site_links.splitlines()}
    described = {value.split('"')[1] for value in agent.walk(IF_DESCR, from_root=True).values()}
    assert described == site_names


def test_a_cut_link_silences_the_agent_until_restored(relay_agent):
    tb, agent = relay_agent
    tb.cut("relay", "radio")
    try:
        done = agent.cli("snmpget", SYS_NAME, from_root=True, timeout=0.5, retries=0)
        assert done.returncode != 0 and "Timeout" in done.stderr
    finally:
        tb.restore("relay", "radio")
    assert agent.get(SYS_NAME, from_root=True)
