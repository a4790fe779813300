"""Pantau's SNMP poller in a process of its own, driven by bench/snmp_poll.py over stdin/stdout.

Polls every device of the config once (discovery), prints ``ready {...}``, then for each
``go`` line on stdin polls every device once more, records the polls as the collector does,
and writes the SNMP part of /metrics once, as one scrape per poll would (snmp_exporter's
figure also holds its rendering); then prints ``pass {...}``: wall seconds, devices polled,
errors, varbinds, series, and the bytes and seconds of that rendering. Between passes it only
waits on stdin, so the CPU its process uses across a pass is the pass's own.

    python bench/snmp_poll_pantau.py CONFIG.yml [--concurrency 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collector.config import parse_config_text
from collector.exposition.page import MetricsPage
from collector.exposition.snmp import SnmpText
from collector.gc_tuning import settle_after_start
from collector.snmp.poller import SnmpPoller
from collector.snmp.state import SnmpState


async def one_pass(poller: SnmpPoller, devices: list[tuple[str, str]], concurrency: int,
                   state: SnmpState, page: MetricsPage) -> dict:
    limit = asyncio.Semaphore(concurrency)

    async def poll(site: str, device: str):
        async with limit:
            return await poller.poll(site, device)

    started = time.monotonic()
    polls = await asyncio.gather(*(poll(site, device) for site, device in devices))
    for each in polls:
        state.record(each)
    rendering = time.process_time()
    body, _ = page.render(None)
    rendering = time.process_time() - rendering
    wall = time.monotonic() - started
    errors = Counter(str(p.error) for p in polls if p.error is not None)
    counts = [poller.series_count(site, device) for site, device in devices]
    return {
        "wall": wall,
        "devices": len(polls),
        "errors": dict(errors),
        "first_error": next((f"{p.device}: {p.error} {p.detail}" for p in polls if p.error),
                            None),
        "varbinds": sum(p.varbinds for p in polls),
        "requests": sum(p.requests for p in polls),
        "series": None if any(c is None for c in counts) else sum(counts),
        "exposition_bytes": len(body),
        "exposition_seconds": rendering,
    }


async def serve(config_path: Path, concurrency: int) -> None:
    config = parse_config_text(config_path.read_text(), str(config_path))
    devices = [(site.name, device.name) for site in config.sites for device in site.devices]
    poller = SnmpPoller(config)
    state = SnmpState(config)
    page = MetricsPage()
    page.add("snmp", SnmpText(state))
    loop = asyncio.get_running_loop()
    try:
        settle_after_start()  # as the collector does once it has started, before any poll
        print("ready", json.dumps(await one_pass(poller, devices, concurrency, state, page)),
              flush=True)
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if line.strip() != "go":
                return
            print("pass", json.dumps(await one_pass(poller, devices, concurrency, state,
                                                     page)), flush=True)
    finally:
        poller.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(serve(args.config, args.concurrency))


if __name__ == "__main__":
    main()
