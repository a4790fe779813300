"""Pantau's side of the service-check benchmark, in a process of its own so that its CPU time
can be read apart: the collector's HTTP probe (`collector.probes.http`) checking every service
of a config, paced evenly over the interval as the scheduler spreads them, on the collector's
event loop.

    python bench/service_check_pantau.py CONFIG --interval SECONDS

Says "ready {}" once the config is read, then runs one pass for each "go" line on stdin and
answers "pass {...}" with every check's duration and the failures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collector.config import load_config
from collector.config.services import HttpService
from collector.gc_tuning import settle_after_start
from collector.probes.http import HttpCheck, HttpProbe


async def one_pass(probe: HttpProbe, checks: list[HttpCheck], interval: float) -> dict:
    spacing = interval / len(checks)
    started = time.monotonic()
    tasks = []
    for number, check in enumerate(checks):
        delay = started + number * spacing - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(probe.probe(check)))
    results = await asyncio.gather(*tasks)
    return {"durations": [r.duration for r in results],
            "phases": [dict(r.phases) for r in results],
            "failures": sorted({f"{r.failure}: {r.detail}" for r in results if r.failure}),
            "failed": sum(1 for r in results if r.failure), "wall": time.monotonic() - started}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config", type=Path)
    parser.add_argument("--interval", type=float, required=True)
    args = parser.parse_args()
    config = load_config(args.config)
    checks = [HttpCheck(site.name, service) for site in config.sites
              for service in site.services if isinstance(service, HttpService)]
    probe = HttpProbe()
    probe.open()
    settle_after_start()
    print("ready {}", flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "go":
        result = await one_pass(probe, checks, args.interval)
        print("pass " + json.dumps(result), flush=True)
    probe.close()


if __name__ == "__main__":
    uvloop.run(main())  # the collector's own loop (collector/cli.py)
