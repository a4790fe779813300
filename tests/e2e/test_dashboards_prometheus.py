"""A real Prometheus on the shipped config and rules, scraping the real collector on the
namespace testbed (a MikroTik and airMAX radio simulated behind snmpd in the relay, an agent
pushing, an HTTPS service and a name server in the relay, the hotspot's radio cut): every
query of every dashboard panel returns data, every recording rule records, every rule
evaluates."""

from __future__ import annotations

import functools
import math
import re
import subprocess
import sys
import time

import pytest

from tests.support.agent_process import AgentProcess
from tests.support.collector_process import CollectorProcess
from tests.support.config_fixtures import ROOT
from tests.support.dashboards import (
    Query,
    dashboards,
    label_values,
    panel_queries,
    recorded_names,
    rules,
    variable_query,
    variables,
)
from tests.support.dns_server import DnsServer
from tests.support.prometheus_process import PrometheusProcess, loopback_config
from tests.support.snmpd import SnmpAgent, free_udp_port
from tests.support.tls import make_pki
from tests.support.waiting import wait_until
from tests.support.wireless_devices import (
    MIKROTIK_PREFIX,
    UBIQUITI_PREFIX,
    mikrotik_ap_spec,
    mikrotik_station_spec,
    sim_argv,
    ubiquiti_station_spec,
    write_spec,
)
from tests.testbed import Testbed, require_root
from tests.testbed.example import declare_example

pytestmark = pytest.mark.e2e

SNMP_PORT = 1161
AGENT = "srv-relay"
CUT = ("hotspot", "radio")
# What Grafana puts in place of its own variables, for data a few seconds old scraped every
# second: a rate needs two samples within $__rate_interval.
BUILTINS = {"__rate_interval": "15s", "__interval": "2s", "__range": "5m", "__range_s": "300"}
RANGE_SECONDS = 20
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_root()
    workdir = tmp_path_factory.mktemp("stack")
    with Testbed() as tb:
        declare_example(tb)
        tb.start()
        radio_address = tb.target("relay", "radio")
        specs = {MIKROTIK_PREFIX: {**mikrotik_station_spec(), **mikrotik_ap_spec()},
                 UBIQUITI_PREFIX: ubiquiti_station_spec()}
        radio = SnmpAgent(
            address=radio_address, port=SNMP_PORT, sys_name="relay-radio",
            netns=tb.netns("relay"), popen=functools.partial(tb.popen, "relay"),
            workdir=workdir / "snmpd",
            pass_persist=[(prefix, sim_argv(write_spec(spec, workdir / f"{prefix}.json")))
                          for prefix, spec in specs.items()])
        sites = tb.config_sites()
        relay = next(site for site in sites if site["name"] == "relay")
        # The relay's own services: a web application over HTTPS (a certificate from the
        # test's CA) and a name server, for the Services dashboard.
        [service_address] = tb.add_host_addresses("relay", 1)
        pki = make_pki(workdir / "pki", addresses=(service_address,), days=20)
        web_port = free_udp_port()
        web = tb.popen("relay", [sys.executable, "-m", "tests.support.web_server",
                                 service_address, str(web_port), str(workdir / "web-status"),
                                 str(pki.cert_file), str(pki.key_file)],
                       stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        assert web.stdout is not None and web.stdout.readline().strip() == "ready"
        (workdir / "dns").mkdir()
        dns = DnsServer(workdir / "dns", service_address, free_udp_port(),
                        {"portal.relay.test": service_address},
                        popen=functools.partial(tb.popen, "relay"))
        relay["services"] = [
            {"kind": "http", "name": "portal", "url": f"https://{service_address}:{web_port}/",
             "ca_file": str(pki.ca_file), "interval": "1s", "timeout": "800ms"},
            {"kind": "dns", "name": "dns", "server": service_address, "port": dns.port,
             "query_name": "portal.relay.test", "interval": "1s", "timeout": "800ms"}]
        relay["devices"] = [{"name": "radio", "address": radio_address, "port": SNMP_PORT,
                             "auth": "lab_v2", "profiles": ["system", "if_mib",
                                                            "mikrotik_wireless",
                                                            "ubiquiti_airmax"]}]
        collector = CollectorProcess({
            "icmp": {"interval": "500ms", "jitter": 0, "echoes": 3, "echo_interval": "20ms",
                     "timeout": "200ms"},
            "state": {"down_after": 2, "up_after": 2},
            "snmp": {"interval": "1s", "timeout": "300ms", "retries": 0},
            "auths": {"lab_v2": {"version": "2c", "community": "public"}},
            "agents": {"clients": [{"name": AGENT, "site": "relay", "token": "relay-token"}]},
            "sites": sites}, tmp_path_factory.mktemp("collector"))
        agent = AgentProcess(workdir / "agent", {
            "collector": collector.base, "name": AGENT, "site": "relay",
            "token": "relay-token"})
        prometheus = PrometheusProcess(loopback_config(collector.port), workdir / "prometheus")
        try:
            dns.start()
            radio.start()
            collector.start()
            agent.start()
            prometheus.start()
            tb.cut(*CUT)
            yield tb, prometheus
        finally:
            prometheus.stop()
            agent.stop()
            collector.stop()
            radio.close()
            dns.close()


def finite(result: list[dict]) -> bool:
    """Whether a query result holds at least one real number (not NaN, not empty)."""
    for series in result:
        points = series.get("values") or [series["value"]]
        if any(math.isfinite(float(value)) for _, value in points):
            return True
    return False


def substitute(text: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m[1] or m[2], m[0]), text)


def choose_variables(prometheus: PrometheusProcess, board: dict,
                     preferred: dict[str, str]) -> dict[str, str]:
    """Run each variable's query as Grafana would, in order, and pick a value: ``All`` for a
    variable that offers it, otherwise the preferred value, which must be among those found."""
    chosen = dict(BUILTINS)
    for variable in variables(board):
        if variable["type"] != "query":
            continue
        selector, label = label_values(substitute(variable_query(variable), chosen))
        series = prometheus.api("series", **{"match[]": selector,
                                             "start": f"{time.time() - 60:.3f}"})
        found = sorted({s[label] for s in series if label in s})
        assert found, f"{board['uid']}: variable {variable['name']} lists nothing ({selector})"
        name = variable["name"]
        if name in preferred:
            assert preferred[name] in found, (name, found)
        if variable.get("includeAll"):
            chosen[name] = variable["allValue"]
        else:
            chosen[name] = preferred.get(name, found[0])
    return chosen


def empty_queries(prometheus: PrometheusProcess, queries: list[Query]) -> list[str]:
    now = time.time()
    empty = []
    for query in queries:
        if query.instant:
            result = prometheus.query(query.expr)
        else:
            result = prometheus.query_range(query.expr, now - RANGE_SECONDS, now, 1)
        if not finite(result):
            empty.append(f"{query.dashboard} {query.where}: {query.expr}")
    return empty


def test_every_panel_of_every_dashboard_shows_data(stack):
    tb, prometheus = stack
    preferred = {"site": "relay", "link": "radio", "device_site": "relay", "device": "radio",
                 "interface": tb.interface("relay", "radio", "child"), "agent": AGENT,
                 "period": "month"}
    wait_until(lambda: prometheus.query('site:pantau_site_state:code{site="hotspot"} == 3')
               and prometheus.query(f'pantau_agent_up{{agent="{AGENT}"}} == 1')
               and prometheus.query('rate(ifHCInOctets{site="relay"}[15s])')
               and prometheus.query('site_service:pantau_service_state:code{site="relay"} == 1'),
               timeout=40, interval=0.5,
               what="the cut, the agent, two SNMP polls and the services up in Prometheus")
    queries = []
    for name, board in dashboards().items():
        values = choose_variables(prometheus, board, preferred)
        queries += [Query(q.dashboard, q.where, substitute(q.expr, values), q.instant)
                    for q in panel_queries(name, board)]
    assert len(queries) > 100
    try:
        wait_until(lambda: not empty_queries(prometheus, queries), timeout=30, interval=1,
                   what="every panel query to return data")
    except TimeoutError:
        pytest.fail("panels without data:\n" + "\n".join(empty_queries(prometheus, queries)))


def test_every_recording_rule_records_and_every_rule_evaluates(stack):
    _, prometheus = stack
    for name in sorted(recorded_names()):
        wait_until(lambda name=name: finite(prometheus.query(name)), timeout=30, interval=0.5,
                   what=f"recording rule {name} to hold data")
    for rule in rules():
        prometheus.query(rule["expr"])  # raises PrometheusError if it does not evaluate

    def evaluated() -> list[dict]:
        groups = prometheus.api("rules")["groups"]
        found = [rule for group in groups for rule in group["rules"]]
        done = [rule for rule in found if rule["health"] != "unknown"]
        return done if len(done) == len(rules()) else []

    unhealthy = {rule["name"]: rule.get("lastError")
                 for rule in wait_until(evaluated, timeout=20, interval=0.5,
                                        what="every rule evaluated once")
                 if rule["health"] != "ok"}
    assert unhealthy == {}
    # The cut hotspot trips the site alert (pending for its `for:`), and only that site.
    down = wait_until(lambda: prometheus.query('ALERTS{alertname="PantauSiteDown"}'),
                      timeout=20, interval=0.5, what="PantauSiteDown to be pending")
    assert {alert["metric"]["site"] for alert in down} == {CUT[0]}


def test_agent_series_name_the_agent_as_instance_and_only_loopback_is_scraped(stack):
    _, prometheus = stack
    # Prometheus lists a target only once service discovery has run; alone, this test may
    # ask before that.
    [target] = wait_until(lambda: prometheus.api("targets")["activeTargets"], timeout=20,
                          interval=0.5, what="Prometheus to list its scrape target")
    assert target["scrapeUrl"].startswith("http://127.0.0.1:")
    assert target["labels"]["job"] == "pantau"
    wait_until(lambda: prometheus.query(f'node_load1{{agent="{AGENT}"}}'), timeout=20,
               interval=0.5, what="the agent's series in Prometheus")
    [load] = prometheus.query(f'node_load1{{agent="{AGENT}"}}')
    assert (load["metric"]["instance"], load["metric"]["site"]) == (AGENT, "relay")
    [agent_up] = prometheus.query(f'pantau_agent_up{{agent="{AGENT}"}}')
    assert agent_up["metric"]["instance"] == target["labels"]["instance"]
