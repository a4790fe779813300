"""Service checks: Pantau's HTTP probe beside blackbox_exporter, on the same HTTPS servers.

    apt-get install prometheus-blackbox-exporter
    .venv/bin/python bench/service_check.py [--services 500] [--interval 5] [--passes 3]

On loopback only (no root needed). An HTTPS server (`bench/https_server.py`, a certificate
from a CA made for the run, verified by both tools) serves `--services` URLs. Each tool checks
every URL once per pass, the checks spread evenly over `--interval` seconds as a scheduler
spreads them (500 checks in 5 s: one every 10 ms):

- **blackbox_exporter**: Debian's binary on a free loopback port, module `https_2xx` (GET,
  2xx, the test CA, IPv4); this script calls `/probe?module=https_2xx&target=URL` at each
  check's time and reads `probe_duration_seconds` from the answer.
- **pantau**: `HttpProbe` (`collector.probes.http`) with the same services in a config, in a
  process of its own (`bench/service_check_pantau.py`); a check's duration is its result's.

CPU is each tool's own process (`/proc/PID/task/*/schedstat`, read just before and after each
pass, after one warm-up pass); the table shows the median pass's CPU per check and the
latency percentiles over all measured checks.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.exporter_process import stop_process, task_cpu_seconds
from tests.support.tls import make_pki
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "bench" / "service_check_pantau.py"
ADDRESS = "127.0.0.1"
PHASES = ("resolve", "connect", "tls", "processing", "transfer")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((ADDRESS, 0))
        return sock.getsockname()[1]


def urls(port: int, count: int) -> list[str]:
    return [f"https://{ADDRESS}:{port}/layanan/{n}" for n in range(count)]


def start(argv: list[str], what: str, log: Path) -> subprocess.Popen[str]:
    with log.open("a") as handle:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=handle, text=True,
                                   stdin=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("ready"):
        process.kill()
        raise SystemExit(f"{what} did not start: {line!r}; see {log}")
    return process


def paced(targets: list[str], interval: float, check) -> list:
    """``check(target)`` for every target, started evenly over ``interval``; the results."""
    spacing = interval / len(targets)
    with ThreadPoolExecutor(max_workers=64) as pool:
        started = time.monotonic()
        futures = []
        for number, target in enumerate(targets):
            delay = started + number * spacing - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(check, target))
        return [future.result() for future in futures]


def run_blackbox(targets: list[str], ca_file: Path, interval: float, passes: int,
                 workdir: Path) -> dict:
    config = workdir / "blackbox.yml"
    config.write_text(
        "modules:\n  https_2xx:\n    prober: http\n    timeout: 5s\n    http:\n"
        "      method: GET\n      preferred_ip_protocol: ip4\n      fail_if_not_ssl: true\n"
        f"      tls_config:\n        ca_file: {ca_file}\n")
    port = free_port()
    process = subprocess.Popen(
        ["prometheus-blackbox-exporter", f"--config.file={config}",
         f"--web.listen-address={ADDRESS}:{port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=(workdir / "blackbox.log").open("a"))
    base = f"http://{ADDRESS}:{port}"

    def serving() -> bool:
        try:
            with urllib.request.urlopen(base + "/metrics", timeout=1):
                return True
        except OSError:
            return False

    def probe(target: str) -> tuple[float, bool]:
        query = urllib.parse.urlencode({"module": "https_2xx", "target": target})
        with urllib.request.urlopen(f"{base}/probe?{query}", timeout=10) as answer:
            text = answer.read().decode()
        values = dict(line.rsplit(" ", 1) for line in text.splitlines()
                      if line and not line.startswith("#"))
        phases = {name: float(values.get(f'probe_http_duration_seconds{{phase="{name}"}}', 0))
                  for name in PHASES}
        return float(values["probe_duration_seconds"]), values["probe_success"] == "1", phases

    try:
        wait_until(serving, timeout=15, interval=0.1, what="blackbox_exporter to serve")
        paced(targets, interval, probe)  # warm-up
        passes_cpu, durations, failed, phases = [], [], 0, []
        for _ in range(passes):
            before = task_cpu_seconds(process.pid)
            results = paced(targets, interval, probe)
            passes_cpu.append(task_cpu_seconds(process.pid) - before)
            durations += [duration for duration, _, _ in results]
            failed += sum(1 for _, ok, _ in results if not ok)
            phases += [each for _, _, each in results]
    finally:
        stop_process(process)
    return {"cpu": passes_cpu, "durations": durations, "failed": failed, "phases": phases}


def run_pantau(targets: list[str], ca_file: Path, interval: float, passes: int,
               workdir: Path) -> dict:
    services = "\n".join(
        f"      - {{kind: http, name: s{n}, url: \"{url}\", ca_file: {ca_file}, "
        "interval: 1m, timeout: 5s}" for n, url in enumerate(targets))
    config = workdir / "pantau.yml"
    config.write_text(f"collector: {{data_dir: {workdir / 'data'}}}\nsites:\n  - name: opd\n"
                      f"    links: [{{name: lan, kind: fiber, targets: [{ADDRESS}]}}]\n"
                      f"    services:\n{services}\n")
    worker = start([sys.executable, str(WORKER), str(config), "--interval", str(interval)],
                   "the Pantau worker", workdir / "pantau.log")
    assert worker.stdin is not None and worker.stdout is not None

    def one_pass() -> dict:
        worker.stdin.write("go\n")
        worker.stdin.flush()
        line = worker.stdout.readline()
        if not line.startswith("pass "):
            raise SystemExit(f"the Pantau worker said {line!r}")
        return json.loads(line[5:])

    try:
        one_pass()  # warm-up
        passes_cpu, durations, failed, failures, phases = [], [], 0, set(), []
        for _ in range(passes):
            before = task_cpu_seconds(worker.pid)
            result = one_pass()
            passes_cpu.append(task_cpu_seconds(worker.pid) - before)
            durations += result["durations"]
            failed += result["failed"]
            failures |= set(result["failures"])
            phases += result["phases"]
        worker.stdin.close()
        worker.wait(timeout=30)
    finally:
        stop_process(worker)
    return {"cpu": passes_cpu, "durations": durations, "failed": failed,
            "failures": sorted(failures)[:3], "phases": phases}


def summary(result: dict, checks: int) -> dict:
    durations = sorted(result["durations"])
    return {"phases": {name: statistics.median(each[name] for each in result["phases"]) * 1000
                       for name in PHASES},
            "cpu_ms": statistics.median(result["cpu"]) / checks * 1000,
            "p50_ms": statistics.median(durations) * 1000,
            "p95_ms": durations[int(len(durations) * 0.95)] * 1000,
            "failed": result["failed"], "checks": len(durations)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.services <= 5000 or not 1 <= args.passes <= 20 or \
            not 0.5 <= args.interval <= 120:
        raise SystemExit("--services 1..5000, --passes 1..20, --interval 0.5..120 s")
    with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
        workdir = Path(tmp)
        pki = make_pki(workdir / "pki", addresses=(ADDRESS,))
        port = free_port()
        server = start([sys.executable, "-m", "bench.https_server", ADDRESS, str(port),
                        str(pki.cert_file), str(pki.key_file)], "the HTTPS server",
                       workdir / "server.log")
        try:
            targets = urls(port, args.services)
            blackbox = summary(run_blackbox(targets, pki.ca_file, args.interval, args.passes,
                                            workdir), args.services)
            pantau_run = run_pantau(targets, pki.ca_file, args.interval, args.passes, workdir)
            pantau = summary(pantau_run, args.services)
        finally:
            stop_process(server)
    print(f"{args.services} HTTPS checks per {args.interval:g} s interval, {args.passes} "
          "measured passes each (after one warm-up), same server, same pace")
    print("| tool | CPU ms/check | p50 ms | p95 ms | failed/checks |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, figures in (("blackbox_exporter", blackbox), ("pantau", pantau)):
        print(f"| {name} | {figures['cpu_ms']:.3f} | {figures['p50_ms']:.2f} | "
              f"{figures['p95_ms']:.2f} | {figures['failed']}/{figures['checks']} |")
    print("median ms by phase: " + "; ".join(
        f"{name} " + ", ".join(f"{phase} {figures['phases'][phase]:.2f}" for phase in PHASES)
        for name, figures in (("blackbox_exporter", blackbox), ("pantau", pantau))))
    print(f"CPU ratio pantau/blackbox_exporter: {pantau['cpu_ms'] / blackbox['cpu_ms']:.2f} "
          "(goal <= 2)")
    print(f"p50 difference pantau - blackbox_exporter: "
          f"{pantau['p50_ms'] - blackbox['p50_ms']:+.2f} ms (goal within 1 ms)")
    if pantau_run["failures"]:
        print("pantau failures:", "; ".join(pantau_run["failures"]))


if __name__ == "__main__":
    main()
