"""A bounded soak of the whole collector: many ping targets, SNMP devices and agents for as long
as asked, its memory, file descriptors, scrape latency and round duration printed over time.

Builds a namespace testbed with `--targets` addresses behind one link (the ping targets, in
links of ten), starts `--devices` real net-snmp agents on loopback (127.77.x.y, SNMPv2c) and
`--agents` real agent processes pushing to the collector, then runs a real `collector run`
with all of them for `--minutes`, scraping /metrics every `--scrape-every` seconds as
Prometheus would (gzip). Every `--print-every` seconds it prints a row: elapsed time, the
collector's RSS and open file descriptors, its CPU share since the last row, the median and
worst scrape latency, the last ping round's duration, SNMP polls and agent reports so far.
At the end: RSS growth from the end of the warm-up (`--warm-up` minutes) to the end, and
descriptor growth. Goals: RSS growth under 5 % after the warm-up, no descriptor growth.

Needs root (namespaces) and Debian's snmpd. Every loop is bounded by `--minutes`; every
process, namespace and address is removed at the end, also on Ctrl-C.

    sudo .venv/bin/python bench/soak.py [--minutes 60] [--targets 1000] [--devices 100]
                                        [--agents 50]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ping_round import bench_testbed, task_cpu_seconds
from bench.snmp_poll import make_agents, start_agents
from tests.support.agent_process import AgentProcess
from tests.support.collector_process import CollectorProcess
from tests.support.metrics import samples
from tests.testbed import Testbed


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


SCRAPER = "127.0.0.2"
"""The scrapes come from an address of their own, as Prometheus on another host would."""


def get(port: int, headers: dict[str, str]) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                            source_address=(SCRAPER, 0))
    try:
        connection.request("GET", "/metrics", headers=headers)
        return connection.getresponse().read()
    finally:
        connection.close()


def scrape_seconds(port: int) -> tuple[float, str]:
    began = time.monotonic()
    get(port, {"Accept-Encoding": "gzip"})
    elapsed = time.monotonic() - began
    return elapsed, get(port, {}).decode()


def figures(text: str) -> dict[str, float]:
    found = {"polls": 0.0, "reports": 0.0, "round": 0.0}
    for sample in samples(text):
        if sample.name == "pantau_snmp_polls_total":
            found["polls"] += sample.value
        elif sample.name == "pantau_agent_reports_total":
            found["reports"] += sample.value
        elif sample.name == "pantau_icmp_round_duration_seconds" and \
                sample.labels.get("site") == "bench":
            found["round"] = sample.value
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--warm-up", type=float, default=5, help="minutes")
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--interval", type=float, default=30, help="ping and poll interval, s")
    parser.add_argument("--scrape-every", type=float, default=15)
    parser.add_argument("--print-every", type=float, default=60)
    parser.add_argument("--port", type=int, default=16161, help="UDP port of the snmpd agents")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("this benchmark builds network namespaces: run it as root")
    if not 0 < args.warm_up < args.minutes <= 24 * 60:
        parser.error("--warm-up must be shorter than --minutes, at most a day")

    workdir = Path(tempfile.mkdtemp(prefix="pantau-soak-"))
    with Testbed() as tb, contextlib.ExitStack() as stack:
        addresses = bench_testbed(tb, args.targets)
        devices = make_agents(args.devices, args.port, workdir)
        stack.callback(lambda: [device.close() for device in devices])
        start_agents(devices)
        tokens = {f"opd-{n:02}": f"soak-token-{n:02}-{os.urandom(8).hex()}"
                  for n in range(args.agents)}
        links = [{"name": f"t{i}", "kind": "fiber", "parent": "core",
                  "targets": addresses[i:i + 10]} for i in range(0, args.targets, 10)]
        sites = [*[s for s in tb.config_sites() if s["name"] == "core"],
                 {"name": "bench", "links": links, "interval": f"{args.interval}s",
                  "devices": [{"name": f"d{n:03}", "address": d.address, "port": d.port,
                               "auth": "bench", "interval": f"{args.interval}s"}
                              for n, d in enumerate(devices)]}]
        (workdir / "collector").mkdir()
        collector = CollectorProcess({
            # The agents all push from 127.0.0.1, as if behind one NAT address.
            "collector": {"log_level": "info", "max_connections_per_client": 128},
            "icmp": {"interval": f"{args.interval}s", "jitter": "3s", "echoes": 5,
                     "echo_interval": "250ms", "timeout": "1s"},
            "snmp": {"timeout": "2s", "retries": 1},
            "auths": {"bench": {"version": "2c", "community": "public"}},
            "agents": {"clients": [{"name": name, "site": "bench", "token": token}
                                   for name, token in tokens.items()]},
            "sites": sites,
        }, workdir / "collector")
        collector.start()
        stack.callback(collector.stop)
        agents = [AgentProcess(workdir / name, {
            "collector": collector.base, "name": name, "token": token,
            "interval": "10s", "timeout": "5s"}).start() for name, token in tokens.items()]
        for agent in agents:
            stack.callback(agent.stop)
        pid = collector.pid
        print(f"{args.targets} targets, {args.devices} SNMP devices, {args.agents} agents; "
              f"{args.minutes:g} minutes, a row every {args.print_every:g} s")
        print(f"{'min':>6} {'RSS MiB':>8} {'fds':>5} {'CPU %':>6} {'scrape ms':>10} "
              f"{'worst':>7} {'round s':>8} {'polls':>7} {'reports':>8}")
        began = time.monotonic()
        end = began + args.minutes * 60
        next_row = began + args.print_every
        cpu_at, row_at = task_cpu_seconds(pid), began
        latencies: list[float] = []
        rows: list[tuple[float, int, int]] = []
        while time.monotonic() < end:
            seconds, text = scrape_seconds(collector.port)
            latencies.append(seconds)
            now = time.monotonic()
            if now >= next_row:
                cpu = task_cpu_seconds(pid)
                share = (cpu - cpu_at) / (now - row_at) * 100
                cpu_at, row_at = cpu, now
                found = figures(text)
                minutes = (now - began) / 60
                rss, fds = rss_kib(pid), open_fds(pid)
                rows.append((minutes, rss, fds))
                print(f"{minutes:6.1f} {rss / 1024:8.1f} {fds:5} {share:6.1f} "
                      f"{statistics.median(latencies) * 1e3:10.1f} "
                      f"{max(latencies) * 1e3:7.1f} {found['round']:8.2f} "
                      f"{found['polls']:7.0f} {found['reports']:8.0f}", flush=True)
                latencies.clear()
                next_row += args.print_every
            time.sleep(max(0.0, min(args.scrape_every, end - time.monotonic())))
    warm = [row for row in rows if row[0] >= args.warm_up]
    if len(warm) >= 2:
        first, last = warm[0], warm[-1]
        growth = (last[1] - first[1]) / first[1] * 100
        print(f"after the warm-up ({first[0]:.1f} to {last[0]:.1f} min): RSS "
              f"{first[1] / 1024:.1f} -> {last[1] / 1024:.1f} MiB ({growth:+.1f} %, goal < 5 %); "
              f"fds {first[2]} -> {last[2]} (goal: no growth)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
