"""Fuzz the push endpoint of a real collector for as long as asked.

The same generator as the bounded property test in CI (tests/integration/test_push_hostile.py:
the real report broken in many small ways, random bytes, gzip cut short, any code point in a
label, odd headers), in batches of fresh seeds until ``--minutes`` are up. Every answer must be
a 2xx or a 4xx with a reason; the first 5xx stops the run and prints the request that caused
it. At the end it prints how many requests were sent, the answers by status, and the
collector's CPU seconds and peak RSS.

    .venv/bin/python bench/fuzz_push.py [--minutes 60] [--batch 1000] [--first-seed N]
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

import psutil
from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integration.test_ingest import sections
from tests.integration.test_push_hostile import exchange, push, requests
from tests.support.collector_process import CollectorProcess


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--first-seed", type=int, default=None,
                        help="seed of the first batch (default: a random one, printed): the "
                             "same seed replays the same requests")
    args = parser.parse_args()
    first = args.first_seed if args.first_seed is not None else random.randrange(2**32)
    print(f"first seed: {first}", flush=True)
    collector = CollectorProcess(sections(), Path(tempfile.mkdtemp(prefix="pantau-fuzz-")))
    collector.start()
    process = psutil.Process(collector.pid)
    statuses: collections.Counter[int] = collections.Counter()
    peak_rss = 0
    failure: bytes | None = None
    deadline = time.monotonic() + args.minutes * 60

    def one(request: tuple[bytes, dict[str, str]]) -> None:
        nonlocal failure
        raw = push(*request)
        answer = exchange(collector, raw)
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
        statuses[status] += 1
        if status >= 500:
            failure = raw
            raise AssertionError(answer[:300])

    try:
        batch = 0
        while time.monotonic() < deadline and failure is None:
            run = seed(first + batch)(settings(max_examples=args.batch, deadline=None,
                                       database=None,
                                       suppress_health_check=list(HealthCheck))(
                given(requests())(one)))
            try:
                run()
            except AssertionError:
                break
            batch += 1
            peak_rss = max(peak_rss, process.memory_info().rss)
        cpu = process.cpu_times()
    finally:
        collector.stop()
    total = sum(statuses.values())
    print(f"requests: {total} in {batch + 1} batches")
    print("answers: " + ", ".join(f"{status or 'closed'}: {count}"
                                  for status, count in sorted(statuses.items())))
    print(f"collector CPU: {cpu.user + cpu.system:.1f} s, peak RSS {peak_rss / 2**20:.1f} MiB")
    if failure is not None:
        print("a 5xx for:", failure[:2000])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
