"""One ping round to 1000 targets: the running collector beside fping, in one run.

Builds a namespace testbed with 1000 target addresses behind one link, then
  1. fping: 5 echoes per target, the same per-target interval, all targets at once;
  2. the collector (a real `collector run` process): its second round (start-up
     excluded) of 5 echoes per target, CPU read from the kernel's per-thread
     scheduler statistics just before and after that round.
Prints wall seconds, CPU seconds and replies for both, and how far apart their
median RTTs are per target. Needs root (namespaces). Run from the repository root:

    sudo .venv/bin/python bench/ping_round.py [--targets 1000] [--echoes 5]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.collector_process import CollectorProcess
from tests.support.metrics import samples
from tests.support.waiting import wait_until
from tests.testbed import Testbed

ROUND_LINE = re.compile(r"round of bench: (\d+) targets, (\d+) of (\d+) replies, ([\d.]+) s")


def task_cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process, in ns resolution (schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def run_fping(targets: list[str], echoes: int, interval_ms: int, timeout_ms: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        ["fping", "-C", str(echoes), "-p", str(interval_ms), "-i", "0", "-t", str(timeout_ms),
         "-q", *targets], capture_output=True, text=True, timeout=120)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    medians, replies = {}, 0
    for line in done.stderr.splitlines():
        address, _, values = line.partition(" : ")
        rtts = [float(v) / 1000 for v in values.split() if v != "-"]
        replies += len(rtts)
        if rtts:
            medians[address.strip()] = statistics.median(rtts)
    return {"wall": wall, "cpu": cpu, "replies": replies, "medians": medians}


def bench_testbed(tb: Testbed, targets: int) -> list[str]:
    """A site "core" and a site "bench" behind it, with ``targets`` host addresses behind
    its link: started; the addresses."""
    tb.add_site("core")
    tb.add_site("bench")
    tb.add_link("core", "uplink", parent=None, kind="fiber")
    tb.add_link("bench", "fo", parent="core", kind="fiber")
    addresses = tb.add_host_addresses("bench", targets)
    tb.start()
    return addresses


def round_cpu(collector: CollectorProcess, rounds: int = 2) -> float:
    """CPU seconds of the collector's ``rounds``-th round (start-up excluded), read from the
    kernel around it; needs its log at debug level."""
    def seen(count: int) -> None:
        wait_until(lambda: len(ROUND_LINE.findall(collector.log)) >= count, timeout=60,
                   what=f"round {count}")

    seen(rounds - 1)
    before = task_cpu_seconds(collector.pid)
    seen(rounds)
    return task_cpu_seconds(collector.pid) - before


def run_collector(tb: Testbed, targets: list[str], echoes: int, interval: float,
                  timeout: float) -> dict:
    links = [{"name": f"t{i}", "kind": "fiber", "parent": "core", "targets": [t]}
             for i, t in enumerate(targets)]
    sites = [*[s for s in tb.config_sites() if s["name"] == "core"],
             {"name": "bench", "links": links}]
    round_time = (echoes - 1) * interval + timeout
    collector = CollectorProcess({
        "collector": {"log_level": "debug"},
        "icmp": {"interval": round(round_time * 3, 3), "jitter": 0, "echoes": echoes,
                 "echo_interval": interval, "timeout": timeout},
        "sites": sites,
    })
    collector.start()
    try:
        cpu = round_cpu(collector)
        _, replies, sent, wall = ROUND_LINE.findall(collector.log)[1]
        medians = {s.labels["target"]: s.value for s in samples(collector.metrics())
                   if s.name == "pantau_icmp_rtt_median_seconds" and s.labels["site"] == "bench"}
        return {"wall": float(wall), "cpu": cpu, "replies": int(replies), "sent": int(sent),
                "medians": medians}
    finally:
        collector.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--echoes", type=int, default=5)
    parser.add_argument("--interval-ms", type=int, default=250, help="per-target echo interval")
    parser.add_argument("--timeout-ms", type=int, default=1000)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("this benchmark builds network namespaces: run it as root")

    with Testbed() as tb:
        targets = bench_testbed(tb, args.targets)
        fping = run_fping(targets, args.echoes, args.interval_ms, args.timeout_ms)
        pantau = run_collector(tb, targets, args.echoes, args.interval_ms / 1000,
                               args.timeout_ms / 1000)

    expected = args.targets * args.echoes
    print(f"one round: {args.targets} targets x {args.echoes} echoes, "
          f"{args.interval_ms} ms apart per target, timeout {args.timeout_ms} ms")
    print(f"{'':10} {'wall s':>8} {'CPU s':>8} {'replies':>14}")
    print(f"{'fping':10} {fping['wall']:8.3f} {fping['cpu']:8.3f} "
          f"{fping['replies']:>6} of {expected}")
    print(f"{'pantau':10} {pantau['wall']:8.3f} {pantau['cpu']:8.3f} "
          f"{pantau['replies']:>6} of {pantau['sent']}")
    print(f"CPU ratio pantau/fping: {pantau['cpu'] / fping['cpu']:.2f} "
          "(pantau: the round inside the running collector; fping: its whole process)")
    common = sorted(set(fping["medians"]) & set(pantau["medians"]))
    diffs = [abs(pantau["medians"][t] - fping["medians"][t]) for t in common]
    if diffs:
        print(f"median RTT, pantau vs fping over {len(common)} targets: "
              f"median |diff| {statistics.median(diffs) * 1e3:.4f} ms, "
              f"max |diff| {max(diffs) * 1e3:.4f} ms; "
              f"pantau median {statistics.median(pantau['medians'].values()) * 1e3:.4f} ms, "
              f"fping median {statistics.median(fping['medians'].values()) * 1e3:.4f} ms")


if __name__ == "__main__":
    main()
