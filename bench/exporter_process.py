"""Debian's prometheus-snmp-exporter as a plain process on loopback, scraped like Prometheus
scrapes it, and the CPU a process has used, for the SNMP benchmark."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from tests.support.waiting import wait_until

EXPORTER_CONFIG = Path("/work/shared/peers/snmp_exporter/snmp.yml")
# snmp_exporter's own metrics about the scrape, not data from the device.
SELF_METRICS = "snmp_scrape_"


def task_cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process, in ns resolution (schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except FileNotFoundError:
            continue  # a thread that ended while we read; its time went with it
    return total / 1e9


def stop_process(process: subprocess.Popen) -> None:
    """Terminate ``process`` if it still runs, kill it if it does not end within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SnmpExporter:
    """``prometheus-snmp-exporter`` listening on a free loopback port; stopped on exit."""

    def __init__(self, config: Path, workdir: Path) -> None:
        self.port = _free_tcp_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log_path = workdir / f"snmp_exporter-{self.port}.log"
        self._argv = ["prometheus-snmp-exporter", f"--config.file={config}",
                      f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"]
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> SnmpExporter:
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(self._argv, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL)
        try:
            wait_until(self._serving, timeout=15, interval=0.1,
                       what="snmp_exporter to serve /metrics")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process)

    def _serving(self) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise RuntimeError(f"snmp_exporter exited ({self._process.returncode}):\n"
                               + self._log_path.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(self.base + "/metrics", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def scrape(self, module: str, target: str) -> tuple[int, str | None]:
        """Device series in one /snmp scrape, and the failure if it failed."""
        query = urllib.parse.urlencode({"module": module, "target": target})
        try:
            with urllib.request.urlopen(f"{self.base}/snmp?{query}", timeout=30) as response:
                body = response.read().decode()
        except urllib.error.HTTPError as exc:
            return 0, f"HTTP {exc.code}: {exc.read().decode(errors='replace').strip()[:200]}"
        except OSError as exc:
            return 0, str(exc)
        series = sum(1 for line in body.splitlines()
                     if line and not line.startswith("#") and not line.startswith(SELF_METRICS))
        return series, None if series else "no device series in the scrape"

    def scrape_all(self, module: str, targets: list[str], concurrency: int) -> dict:
        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(lambda target: self.scrape(module, target), targets))
        wall = time.monotonic() - started
        failures = [(t, error) for t, (_, error) in zip(targets, results, strict=True) if error]
        return {"wall": wall, "devices": len(targets),
                "series": sum(series for series, _ in results),
                "errors": dict(Counter(error.split(":")[0] for _, error in failures)),
                "first_error": f"{failures[0][0]}: {failures[0][1]}" if failures else None}
