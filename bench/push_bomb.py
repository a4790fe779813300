"""What a compression bomb costs the collector: CPU per refused request.

Against a real collector on loopback, ``--bombs`` requests each announce a 4 GiB gzip body
that inflates about a thousandfold and stream it as fast as loopback takes it, until the
collector answers and closes: first with a wrong token (refused on its headers), then with
the right token (inflated up to `agents.max_body`, then refused). Printed: the collector's
CPU milliseconds per request for each (every thread's, from /proc/PID/task/*/schedstat, before
and after; the scrapes below are in it too), the bytes each client
got to send before the answer, and how long a /metrics scrape took meanwhile.

    .venv/bin/python bench/push_bomb.py [--bombs 20]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.exporter_process import task_cpu_seconds
from tests.integration.test_ingest import sections
from tests.integration.test_push_hostile import good_headers, push
from tests.support.collector_process import CollectorProcess
from tests.support.metrics import scrape

CLAIMED = 4 << 30


def bomb_chunk() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(b"\0" * (64 << 20)) + packer.flush(zlib.Z_SYNC_FLUSH)


def one(base: str, token: str, chunk: bytes) -> int:
    """Send one bomb until the collector answers; the bytes sent."""
    host, port = base.removeprefix("http://").split(":")
    head = push(b"", good_headers(Authorization=f"Bearer {token}")).replace(
        b"Content-Length: 0", f"Content-Length: {CLAIMED}".encode())
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 10
        while not answer and time.monotonic() < deadline and sent < CLAIMED:
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer = sock.recv(4096)
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bombs", type=int, default=20)
    args = parser.parse_args()
    collector = CollectorProcess(sections(), Path(tempfile.mkdtemp(prefix="pantau-bomb-")))
    collector.start()
    chunk = bomb_chunk()
    scrapes: list[float] = []
    stop = threading.Event()

    def scraping() -> None:
        while not stop.is_set():
            start = time.monotonic()
            scrape(collector.base + "/metrics", timeout=10)
            scrapes.append(time.monotonic() - start)
            time.sleep(0.01)

    scraper = threading.Thread(target=scraping, daemon=True)
    scraper.start()
    try:
        for label, token in (("wrong token", "wrong"), ("right token", "web-token")):
            before = task_cpu_seconds(collector.pid)
            sent = [one(collector.base, token, chunk) for _ in range(args.bombs)]
            cpu = (task_cpu_seconds(collector.pid) - before) / args.bombs
            print(f"{label}: {cpu * 1000:.1f} ms of collector CPU per bomb, "
                  f"median {statistics.median(sent) / 1024:.0f} KiB sent before the answer")
    finally:
        stop.set()
        scraper.join(timeout=15)
        collector.stop()
    print(f"/metrics meanwhile: median {statistics.median(scrapes) * 1000:.1f} ms, "
          f"max {max(scrapes) * 1000:.1f} ms over {len(scrapes)} scrapes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
