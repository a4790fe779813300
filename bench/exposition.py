"""What a scrape of the ping targets' metrics costs: Pantau's text writer beside
prometheus_client's own rendering of the same families, and beside a ping round.

1. In process, no network: a state store of `--targets` targets (documentation addresses,
   never pinged) fed `--rounds` rounds of replies with RTTs drawn from a fixed seed. Then
   `--scrapes` renderings of the links part, each way: Pantau's page (the text format 0.0.4,
   and OpenMetrics), and prometheus_client's `generate_latest` over the same families built
   as its Metric objects (`bench/exposition_peer.py`, the collector's former exposition).
   Both outputs are parsed and must hold the same samples. Prints CPU ms per scrape and per
   10,000 series.
2. With `--testbed` (root): a real `collector run` process probing `--targets` addresses on a
   namespace testbed; the CPU of its second ping round beside the CPU of scrapes made over
   HTTP between rounds (plain, and with gzip as Prometheus asks), read from the kernel's
   per-thread scheduler statistics. The goal: one scrape costs no more than one round.

    .venv/bin/python bench/exposition.py [--targets 1000] [--rounds 20] [--scrapes 20]
    sudo .venv/bin/python bench/exposition.py --testbed [--targets 1000]
"""

from __future__ import annotations

import argparse
import gzip
import ipaddress
import logging
import os
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bench.exposition_peer import LinkCollector
from collector.config import parse_config_text
from collector.exposition.links import LinkText
from collector.exposition.page import MetricsPage
from collector.icmp import PingResult
from collector.state import StateStore

OPENMETRICS = "application/openmetrics-text;version=1.0.0"


def store_of(targets: int, rounds: int, per_link: int = 10) -> StateStore:
    base = ipaddress.ip_address("198.51.100.0")
    addresses = [str(base + i % 256) if i < 256 else f"203.0.113.{i % 256}"
                 for i in range(targets)]
    # Distinct strings even past 512 targets: documentation ranges hold only 768 addresses,
    # so larger runs reuse them under distinct link names (the labels differ by link).
    links = []
    for start in range(0, targets, per_link):
        chunk = addresses[start:start + per_link]
        links.append(f"      - {{name: l{start}, kind: fiber, targets: [{', '.join(chunk)}]}}")
    sites = "\n".join(
        f"  - name: s{n}\n    links:\n" + "\n".join(links[n * 10:(n + 1) * 10])
        for n in range((len(links) + 9) // 10))
    config = parse_config_text(f"sites:\n{sites}\n", "bench.yml")
    store = StateStore(config)
    draw = random.Random(7)
    for _ in range(rounds):
        for name in store.sites:
            results = {}
            for record in store.links.values():
                if record.site.name != name:
                    continue
                for target in record.targets:
                    rtts = tuple(draw.lognormvariate(-5, 1.2) for _ in range(draw.choice(
                        (5, 5, 5, 4, 0))))
                    results[target] = PingResult(target, 5, len(rtts), rtts)
            store.record_round(name, results, 1.0)
    return store


def cpu() -> float:
    return time.process_time()


def per_scrape(render, scrapes: int) -> float:
    times = []
    for _ in range(scrapes):
        began = cpu()
        render()
        times.append(cpu() - began)
    return statistics.median(times)


def in_process(targets: int, rounds: int, scrapes: int) -> None:
    logging.getLogger("collector").setLevel(logging.ERROR)  # the drawn RTTs degrade links
    store = store_of(targets, rounds)
    page = MetricsPage()
    page.add("links", LinkText(store))
    peer = LinkCollector(store)
    ours_text = page.render(None)[0]
    peer_text = generate_latest(peer)
    ours = {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(ours_text.decode()) for s in f.samples
            if not s.name.startswith("pantau_exposition")}
    theirs = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for f in text_string_to_metric_families(peer_text.decode()) for s in f.samples}
    if ours != theirs:
        sys.exit(f"the two renderings differ: {len(ours)} and {len(theirs)} samples")
    series = len(ours)
    rows = [
        ("pantau, text 0.0.4", per_scrape(lambda: page.render(None), scrapes)),
        ("pantau, OpenMetrics", per_scrape(lambda: page.render(OPENMETRICS), scrapes)),
        ("prometheus_client", per_scrape(lambda: generate_latest(peer), scrapes)),
    ]
    print(f"{targets} targets, {series} series ({series / targets:.0f} per target), "
          f"{len(ours_text) / 1e6:.1f} MB of text; median of {scrapes} scrapes, CPU")
    print(f"{'':22} {'ms/scrape':>10} {'ms/10k series':>14}")
    for name, seconds in rows:
        print(f"{name:22} {seconds * 1e3:10.1f} {seconds * 1e3 * 10_000 / series:14.1f}")
    print(f"prometheus_client / pantau (0.0.4): {rows[2][1] / rows[0][1]:.1f}")


def on_testbed(targets: int, scrapes: int) -> None:
    from bench.ping_round import bench_testbed, round_cpu, task_cpu_seconds
    from tests.support.collector_process import CollectorProcess
    from tests.testbed import Testbed

    with Testbed() as tb:
        addresses = bench_testbed(tb, targets)
        links = [{"name": f"t{i}", "kind": "fiber", "parent": "core",
                  "targets": addresses[i:i + 10]} for i in range(0, targets, 10)]
        sites = [*[s for s in tb.config_sites() if s["name"] == "core"],
                 {"name": "bench", "links": links}]
        collector = CollectorProcess({
            "collector": {"log_level": "debug"},
            "icmp": {"interval": 20, "jitter": 0, "echoes": 5, "echo_interval": 0.25,
                     "timeout": 1},
            "sites": sites,
        })
        collector.start()
        try:
            pid = collector.pid
            one_round = round_cpu(collector)
            rows = []
            for label, headers in (("text 0.0.4", {}),
                                   ("text 0.0.4, gzip", {"Accept-Encoding": "gzip"}),
                                   ("OpenMetrics, gzip", {"Accept-Encoding": "gzip",
                                                          "Accept": OPENMETRICS})):
                spent, size = [], 0
                for _ in range(scrapes):
                    request = urllib.request.Request(collector.base + "/metrics",
                                                     headers=headers)
                    began = task_cpu_seconds(pid)
                    with urllib.request.urlopen(request, timeout=30) as response:
                        body = response.read()
                    spent.append(task_cpu_seconds(pid) - began)
                    size = len(body)
                    if "gzip" in headers.get("Accept-Encoding", ""):
                        body = gzip.decompress(body)
                rows.append((label, statistics.median(spent), size))
            series = sum(1 for line in body.decode().splitlines()
                         if line and not line.startswith("#"))
        finally:
            collector.stop()
    print(f"testbed: {targets} targets, {series} series; CPU of the collector process")
    print(f"one ping round (5 echoes per target): {one_round * 1e3:.1f} ms")
    print(f"{'scrape':22} {'ms':>8} {'bytes':>10} {'/ round':>8}")
    for label, seconds, size in rows:
        print(f"{label:22} {seconds * 1e3:8.1f} {size:10} {seconds / one_round:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument("--testbed", action="store_true",
                        help="also measure a real collector on a namespace testbed (root)")
    args = parser.parse_args()
    in_process(args.targets, args.rounds, args.scrapes)
    if args.testbed:
        if os.geteuid() != 0:
            sys.exit("--testbed builds network namespaces: run it as root")
        on_testbed(args.targets, args.scrapes)


if __name__ == "__main__":
    main()
