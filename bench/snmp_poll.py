"""SNMP polling of 100 real snmpd devices: Debian's prometheus-snmp-exporter beside Pantau's
poller, on the same devices in one run, for SNMPv2c and SNMPv3 (authPriv, SHA/AES).

In a network namespace of its own (root needed), whose interfaces are lo and a few veth pairs
and so the same for every device and every run, starts N net-snmp agents on loopback
(127.77.x.y, one UDP port), then per SNMP version:
  1. snmp_exporter (its Debian binary, module if_mib or if_mib_v3 of
     /work/shared/peers/snmp_exporter/snmp.yml): one warm-up pass, then measured passes of
     /snmp?module=...&target=... for every device, CONCURRENCY at a time;
  2. Pantau (bench/snmp_poll_pantau.py, profiles system and if_mib): a discovery pass, then
     measured steady-state passes, CONCURRENCY devices at a time.
CPU is each polling process's own, from the kernel's per-thread scheduler statistics just
before and after each pass. Prints CPU ms per device, devices per minute on one core, series
exported and the CPU ratio pantau/snmp_exporter. Run from the repository root:

    sudo .venv/bin/python bench/snmp_poll.py [--devices 100] [--passes 3] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.exporter_process import EXPORTER_CONFIG, SnmpExporter, task_cpu_seconds
from tests.support.snmpd import BENCH_V3_USER, SnmpAgent, SnmpAgentError

WORKER = Path(__file__).with_name("snmp_poll_pantau.py")
MODULES = {"2c": "if_mib", "3": "if_mib_v3"}


def device_address(number: int) -> str:
    return f"127.77.{number // 250}.{number % 250 + 1}"


def make_agents(count: int, port: int, workdir: Path) -> list[SnmpAgent]:
    return [SnmpAgent(address=device_address(n), port=port, sys_name=f"bench-{n:03}",
                      v3_user=BENCH_V3_USER, workdir=workdir / f"agent-{n:03}")
            for n in range(count)]


def start_agents(agents: list[SnmpAgent]) -> None:
    # Launched from this thread (an agent dies with the thread that started it), waited on
    # side by side.
    for agent in agents:
        agent.launch()
    with ThreadPoolExecutor(8) as pool:
        failures = [exc for exc in pool.map(_wait_ready, agents) if exc is not None]
    if failures:
        raise SystemExit(f"{len(failures)} of {len(agents)} agents did not start; "
                         f"first: {failures[0]}")


def _wait_ready(agent: SnmpAgent) -> SnmpAgentError | None:
    try:
        agent.wait_ready()
    except SnmpAgentError as exc:
        return exc
    return None


def pantau_config(agents: list[SnmpAgent], version: str) -> str:
    auth = ("    bench: {version: 2c, community: public}\n" if version == "2c" else
            "    bench: {version: 3, username: benchv3, auth_protocol: sha, "
            "auth_key: benchauthpass, priv_protocol: aes, priv_key: benchprivpass}\n")
    lines = ["snmp: {timeout: 5s, retries: 1, max_repetitions: 25}", "auths:", auth.rstrip(),
             "sites:", "  - name: bench",
             "    links: [{name: lo, kind: fiber, targets: [127.0.0.1]}]", "    devices:"]
    lines += [f"      - {{name: d{n:03}, address: {a.address}, port: {a.port}, auth: bench, "
              "profiles: [system, if_mib]}" for n, a in enumerate(agents)]
    return "\n".join(lines) + "\n"


def run_exporter(agents: list[SnmpAgent], version: str, passes: int, concurrency: int,
                 workdir: Path) -> dict:
    with SnmpExporter(EXPORTER_CONFIG, workdir) as exporter:
        targets = [a.endpoint for a in agents]
        exporter.scrape_all(MODULES[version], targets, concurrency)  # warm-up
        results = []
        for _ in range(passes):
            before = task_cpu_seconds(exporter.pid)
            scraped = exporter.scrape_all(MODULES[version], targets, concurrency)
            scraped["cpu"] = task_cpu_seconds(exporter.pid) - before
            results.append(scraped)
    return summarise(results, len(agents))


def run_pantau(agents: list[SnmpAgent], version: str, passes: int, concurrency: int,
               workdir: Path) -> dict:
    config = workdir / f"pantau-{version}.yml"
    config.write_text(pantau_config(agents, version))
    worker = subprocess.Popen([sys.executable, str(WORKER), str(config),
                               "--concurrency", str(concurrency)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdin is not None and worker.stdout is not None
        discovery = _worker_line(worker, "ready")
        results = []
        for _ in range(passes):
            before = task_cpu_seconds(worker.pid)
            worker.stdin.write("go\n")
            worker.stdin.flush()
            result = _worker_line(worker, "pass")
            result["cpu"] = task_cpu_seconds(worker.pid) - before
            results.append(result)
        worker.stdin.close()
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    summary = summarise(results, len(agents))
    summary["discovery_errors"] = discovery["errors"]
    return summary


def _worker_line(worker: subprocess.Popen[str], tag: str) -> dict:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    if not line.startswith(tag + " "):
        raise SystemExit(f"the Pantau worker said {line!r} instead of {tag!r} "
                         f"(exit {worker.poll()})")
    return json.loads(line.split(" ", 1)[1])


def summarise(results: list[dict], devices: int) -> dict:
    cpu = statistics.median(r["cpu"] for r in results)
    errors: dict[str, int] = {}
    for result in results:
        for kind, count in result["errors"].items():
            errors[kind] = errors.get(kind, 0) + count
    return {"cpu_ms_per_device": cpu / devices * 1000,
            "devices_per_minute": 60 / (cpu / devices) if cpu else float("inf"),
            "wall": statistics.median(r["wall"] for r in results),
            "series": results[-1]["series"], "errors": errors,
            "first_error": next((r.get("first_error") for r in results
                                 if r.get("first_error")), None),
            "exposition_ms_per_device": statistics.median(
                r.get("exposition_seconds", 0.0) for r in results) / devices * 1000}


def report(version: str, exporter: dict, pantau: dict, devices: int, passes: int) -> None:
    print(f"\nSNMPv{version}: {devices} devices, median of {passes} passes")
    print(f"{'':15} {'CPU ms/device':>14} {'devices/min/core':>17} {'wall s':>8} "
          f"{'series':>8}  errors")
    for name, row in (("snmp_exporter", exporter), ("pantau", pantau)):
        series = "n/a" if row["series"] is None else str(row["series"])
        print(f"{name:15} {row['cpu_ms_per_device']:14.3f} {row['devices_per_minute']:17.0f} "
              f"{row['wall']:8.3f} {series:>8}  {row['errors'] or 'none'}")
        if row["first_error"]:
            print(f"{'':15} first error: {row['first_error']}")
    ratio = pantau["cpu_ms_per_device"] / exporter["cpu_ms_per_device"]
    print(f"pantau's figure holds the poll and one rendering of /metrics' SNMP part "
          f"({pantau['exposition_ms_per_device']:.3f} ms/device of it)")
    print(f"CPU ratio pantau/snmp_exporter: {ratio:.2f}")


def in_own_namespace(args: argparse.Namespace) -> int:
    """Run this script again inside a network namespace of its own, with ``lo`` and
    ``--veth-pairs`` veth pairs up, so every device reports the same, fixed interfaces
    whatever else runs on the host; remove the namespace afterwards."""
    name = f"ptbench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        lines = ["link set lo up"]
        for n in range(args.veth_pairs):
            lines += [f"link add bench{n}a type veth peer name bench{n}b",
                      f"link set bench{n}a up", f"link set bench{n}b up"]
        subprocess.run(["ip", "-n", name, "-batch", "-"], input="\n".join(lines) + "\n",
                       text=True, check=True)
        inner = [sys.executable, str(Path(__file__).resolve()), "--inside", *sys.argv[1:]]
        return subprocess.run(["ip", "netns", "exec", name, *inner], check=False).returncode
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--port", type=int, default=16161)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--versions", default="2c,3")
    parser.add_argument("--veth-pairs", type=int, default=4,
                        help="interfaces every device has besides lo: twice this")
    parser.add_argument("--exporter-only", action="store_true",
                        help="skip Pantau's poller (to check the exporter half alone)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.devices <= 1000:
        parser.error("--devices: 1 to 1000")
    if not 0 <= args.veth_pairs <= 50:
        parser.error("--veth-pairs: 0 to 50")
    if shutil.which("prometheus-snmp-exporter") is None:
        sys.exit("needs the Debian package prometheus-snmp-exporter")
    if not args.inside:
        if os.geteuid() != 0:
            sys.exit("this benchmark runs in a network namespace of its own: run it as root")
        sys.exit(in_own_namespace(args))

    workdir = Path(tempfile.mkdtemp(prefix="pantau-bench-snmp-"))
    agents = make_agents(args.devices, args.port, workdir)
    try:
        started = time.monotonic()
        start_agents(agents)
        print(f"{len(agents)} snmpd agents on 127.77.x.y:{args.port}, each with lo and "
              f"{2 * args.veth_pairs} veths, started in {time.monotonic() - started:.1f} s; "
              f"scrapes/polls {args.concurrency} devices at a time")
        for version in args.versions.split(","):
            exporter = run_exporter(agents, version, args.passes, args.concurrency, workdir)
            if args.exporter_only:
                print(f"SNMPv{version} snmp_exporter: {exporter}")
                continue
            pantau = run_pantau(agents, version, args.passes, args.concurrency, workdir)
            report(version, exporter, pantau, len(agents), args.passes)
    finally:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda agent: agent.close(), agents))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
