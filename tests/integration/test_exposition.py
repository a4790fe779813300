"""The real collector on loopback, scraped over HTTP; the metric catalogue held both ways."""

import asyncio
import gzip
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from agent.push import Outcome, Pusher
from agent.readings import HostReader
from agent.report import encode
from collector.app import CollectorApp
from collector.config import parse_config_text
from collector.errors import IcmpUnavailableError
from pantau_wire.observations import OBSERVATIONS_PATH, encode_batch, observation
from tests.support.collector_process import free_port
from tests.support.dns_server import DnsServer
from tests.support.fake_psutil import fake_reader_kwargs
from tests.support.metrics import scrape, value
from tests.support.snmpd import SnmpAgent, free_udp_port
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.integration

CATALOGUE = Path(__file__).parents[2] / "docs" / "metrics.md"
HOSTS_HEADING = "## Host metrics from agents"
SERVICES_HEADING = "## Service checks"
RUNTIME_HEADING = "## The collector's own process"
SATELLITE_HEADING = "## On a satellite"

CONFIG = """
collector: {listen: "127.0.0.1:%(port)d", data_dir: "%(tmp)s"}
icmp: {interval: 1s, jitter: 0s, echoes: 3, echo_interval: 50ms, timeout: 500ms}
snmp: {interval: 1s, timeout: 300ms, retries: 0}
auths:
  lab: {version: 2c, community: public}
sites:
  - name: core
    links: [{name: lan, kind: fiber, targets: [127.0.0.1]}]
    devices: [{name: router, address: 127.0.0.1, port: %(snmp_port)d, auth: lab}]
    services:
      - {kind: http, name: status, url: "http://127.0.0.1:%(port)d/healthz", interval: 1s,
         timeout: 500ms}
      - {kind: dns, name: ns, server: 127.0.0.1, port: %(dns_port)d, query_name: core.test,
         interval: 1s, timeout: 500ms}
  - name: opd
    links:
      - {name: fo, kind: fiber, parent: core, targets: [127.0.0.2, "::1"]}
      - {name: radio, kind: wireless, parent: core, targets: [127.0.0.3]}
  - name: hotspot
    satellite: mamuju
    links: [{name: radio, kind: wireless, parent: opd, targets: [127.0.0.4]}]
agents:
  clients: [{name: web, site: opd, token: web-token}]
satellites:
  clients: [{name: mamuju, token: satellite-token}]
telegram: {enabled: true, token: "123:test", api_url: "http://127.0.0.1:9/",
           groups: {central: [-1001]}}
"""


def push_every_family(base: str) -> None:
    """One report holding every family agents send (a fake host has them all), over HTTP."""
    reader = HostReader(**{**fake_reader_kwargs(), "clock": time.time})
    pusher = Pusher(base, "web", "opd", "web-token")
    try:
        assert pusher.push(encode(reader.read(), 1, 0)).outcome is Outcome.STORED
    finally:
        pusher.close()


def send_satellite_rounds(base: str) -> None:
    """Two ping rounds of the hotspot, as its satellite sends them, over HTTP."""
    body = {"duration": 0.2, "results": [{"target": "127.0.0.4", "sent": 2, "received": 2,
                                          "rtts": [0.001, 0.002], "error": None}]}
    data = gzip.compress(encode_batch([observation(seq, "icmp", time.time(), "hotspot", body)
                                       for seq in (1, 2)]))
    request = urllib.request.Request(
        base + OBSERVATIONS_PATH.format(satellite="mamuju"), data=data, method="POST",
        headers={"Authorization": "Bearer satellite-token", "Content-Encoding": "gzip",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"status": "stored", "seq": 2, "taken": 2}


def catalogue(section: str = "pantau") -> dict[str, tuple[str, set[str]]]:
    """Rows of the catalogue's Pantau table ("pantau"), its service checks ("services"), its
    SNMP objects table ("snmp"), its table of host metrics from agents ("hosts") or what a
    satellite adds ("satellite")."""
    head, _, snmp = CATALOGUE.read_text().partition("## SNMP objects")
    head, _, runtime = head.partition(RUNTIME_HEADING)
    pantau, _, hosts = head.partition(HOSTS_HEADING)
    hosts, _, satellite = hosts.partition(SATELLITE_HEADING)
    pantau, _, services = pantau.partition(SERVICES_HEADING)
    rows = {}
    parts = {"pantau": pantau, "services": services, "snmp": snmp, "hosts": hosts,
             "runtime": runtime, "satellite": satellite}
    for line in parts[section].splitlines():
        match = re.match(r"\| `([A-Za-z_0-9]+)` \|\s*(\w+)\s*\|[^|]*\|([^|]*)\|", line)
        if match:
            name, kind, labels = match.groups()
            rows[name] = (kind, {label.strip() for label in labels.split(",") if label.strip()})
    return rows


def served(text: str) -> dict[str, tuple[str, set[str]]]:
    out = {}
    for family in text_string_to_metric_families(text):
        name = family.name + ("_total" if family.type == "counter" else "")
        labels = set()
        for sample in family.samples:
            labels |= set(sample.labels) - {"le"}
        out[name] = (family.type, labels)
    return out


async def run_collector(tmp_path, check):
    (tmp_path / "dns").mkdir()
    with SnmpAgent(port=free_udp_port()) as agent, \
            DnsServer(tmp_path / "dns", "127.0.0.1", None,
                      {"core.test": "127.0.0.1"}) as dns:
        text = CONFIG % {"tmp": tmp_path, "port": free_port(), "snmp_port": agent.port,
                         "dns_port": dns.port}
        app = CollectorApp(parse_config_text(text, "test.yml"))
        try:
            await app.start()
        except IcmpUnavailableError as err:
            pytest.skip(f"ICMP sockets not permitted here: {err}")
        try:
            base = f"http://127.0.0.1:{app.http.port}"
            await check(app, base)
        finally:
            await app.stop()


def test_metrics_match_the_catalogue_both_ways(tmp_path):
    async def check(app, base):
        await asyncio.to_thread(send_satellite_rounds, base)
        # Two rounds: an availability ratio exists once some time between rounds was
        # monitored.
        await async_wait_until(
            lambda: all(s.rounds >= 2 for s in app.store.sites.values())
            and app.snmp_state.devices[("core", "router")].polls >= 1
            and app.context.services is not None
            and all(record.checks >= 1
                    for record in app.context.services.services.values()),
            timeout=10, what="two rounds of every site, a poll of the router, a service check")
        await asyncio.to_thread(push_every_family, base)
        text = await asyncio.to_thread(scrape, base + "/metrics")
        metrics = served(text)
        services = {name: row for name, row in metrics.items()
                    if name.startswith(("probe_", "pantau_service_"))}
        expected = catalogue("services")
        # The check is over plain HTTP: no certificate, so its expiry has no series to show
        # labels on; its name and type are still served.
        kind, _ = expected["probe_ssl_earliest_cert_expiry"]
        expected["probe_ssl_earliest_cert_expiry"] = (kind, set())
        assert services == expected
        pantau = {name: row for name, row in metrics.items()
                  if name.startswith("pantau_") and name not in services}
        assert pantau == catalogue("pantau")
        hosts = {name: row for name, row in metrics.items() if name.startswith("node_")}
        assert hosts == catalogue("hosts")
        runtime = {name: row for name, row in metrics.items()
                   if name.startswith(("process_", "python_"))}
        assert runtime == catalogue("runtime")
        mib = {name: row for name, row in metrics.items()
               if not name.startswith(("pantau_", "node_", "probe_", "process_", "python_"))}
        snmp = {name: (kind.replace("untyped", "unknown"), labels)
                for name, (kind, labels) in catalogue("snmp").items()}
        assert mib, "the router's MIB objects are missing"
        assert {name: snmp.get(name) for name in mib} == mib

    asyncio.run(run_collector(tmp_path, check))


def test_counters_move_and_states_come_up(tmp_path):
    async def check(app, base):
        await async_wait_until(lambda: all(s.rounds >= 2 for s in app.store.sites.values()
                                           if s.site.satellite is None),
                               timeout=10, what="two rounds of every site")
        text = await asyncio.to_thread(scrape, base + "/metrics")
        labels = {"site": "opd", "link": "fo", "kind": "fiber", "target": "::1"}
        sent = value(text, "pantau_icmp_echo_requests_total", **labels)
        assert sent is not None and sent >= 6
        assert value(text, "pantau_icmp_echo_replies_total", **labels) == sent
        assert value(text, "pantau_icmp_rtt_seconds_count", **labels) == sent
        assert value(text, "pantau_icmp_loss_ratio", **labels) == 0.0
        assert 0 < value(text, "pantau_icmp_rtt_median_seconds", **labels) < 0.05
        assert value(text, "pantau_link_state", site="opd", link="radio", state="up") == 1.0
        assert value(text, "pantau_link_state", site="opd", link="radio", state="down") == 0.0
        assert value(text, "pantau_site_state", site="core", state="up") == 1.0

    asyncio.run(run_collector(tmp_path, check))


def test_openmetrics_and_gzip_are_negotiated_as_prometheus_asks(tmp_path):
    """Prometheus' own Accept header; the page must parse with the strict OpenMetrics parser
    and hold what the text format holds."""
    accept = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")

    def get(url: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read(), dict(response.headers)

    async def check(app, base):
        # Both pages are to hold the same families: the devices' MIB objects are there
        # from their first poll.
        await async_wait_until(lambda: all(s.rounds >= 1 for s in app.store.sites.values()
                                           if s.site.satellite is None)
                               and all(d.last_success is not None
                                       for d in app.snmp_state.devices.values()),
                               timeout=10, what="a round of every site, a poll of every device")
        body, headers = await asyncio.to_thread(
            get, base + "/metrics", {"Accept": accept, "Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip"
        assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
        text = gzip.decompress(body).decode()
        assert text.endswith("# EOF\n") and text.count("# EOF") == 1
        families = {f.name: f for f in openmetrics_families(text)}
        plain, headers = await asyncio.to_thread(get, base + "/metrics", {})
        assert "Content-Encoding" not in headers
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
        names = {f.name for f in text_string_to_metric_families(plain.decode())}
        assert names == set(families)
        rtt = families["pantau_icmp_rtt_seconds"]
        assert rtt.type == "histogram"
        assert {s.labels.get("le") for s in rtt.samples if s.name.endswith("_bucket")} >= {
            "0.0005", "0.15", "0.5", "+Inf"}

    asyncio.run(run_collector(tmp_path, check))


def test_healthz_answers_ok_while_rounds_run(tmp_path):
    async def check(app, base):
        await async_wait_until(lambda: app.store.sites["core"].rounds >= 1, timeout=10)
        assert (await asyncio.to_thread(scrape, base + "/healthz")).strip() == "ok"
        with pytest.raises(urllib.error.HTTPError) as missing:
            await asyncio.to_thread(scrape, base + "/nothing-here")
        assert missing.value.code == 404

    asyncio.run(run_collector(tmp_path, check))
