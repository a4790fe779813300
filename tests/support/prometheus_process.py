"""A real Prometheus (the Debian package's binary) as a plain process, on loopback, with its
storage in a temporary directory, queried over its HTTP API."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.support.collector_process import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = ROOT / "prometheus" / "prometheus.yml"


class PrometheusError(RuntimeError):
    """Prometheus answered a query with an error."""


def loopback_config(collector_port: int, interval: str = "1s") -> dict:
    """The shipped prometheus/prometheus.yml with the collector on 127.0.0.1:``collector_port``
    instead of the compose service, everything evaluated every ``interval``, its rule files by
    absolute path, and no Alertmanager (alerts still show in ALERTS and /api/v1/alerts)."""
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    config["global"].update(scrape_interval=interval, scrape_timeout=interval,
                            evaluation_interval=interval)
    config["rule_files"] = [str(SHIPPED_CONFIG.parent / pattern)
                            for pattern in config["rule_files"]]
    config.pop("alerting", None)
    [job] = config["scrape_configs"]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{collector_port}"]}]
    return config


class PrometheusProcess:
    """``prometheus`` on ``config`` (a dict), listening on a free loopback port, keeping its
    config, and its data in ``workdir``."""

    def __init__(self, config: dict, workdir: Path) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            pytest.skip("prometheus not installed (Debian package prometheus; scripts/test "
                        "installs it)")
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config_path = self.workdir / "prometheus.yml"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        self._argv = [binary, f"--config.file={self.config_path}",
                      f"--storage.tsdb.path={self.workdir / 'data'}",
                      f"--web.listen-address=127.0.0.1:{self.port}",
                      "--log.level=warn"]
        self._log: list[str] = []
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> PrometheusProcess:
        self._process = subprocess.Popen(self._argv, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read_log, daemon=True).start()
        wait_until(self._ready, timeout=30, interval=0.1, what="Prometheus to be ready")
        return self

    def _read_log(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self._log.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self._log)

    def _ready(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise AssertionError("prometheus exited:\n" + self.log)
        try:
            with urllib.request.urlopen(self.base + "/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, path: str, **params: str | list[str]) -> object:
        """GET /api/v1/``path``; the ``data`` of a success, PrometheusError otherwise."""
        query = urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(f"{self.base}/api/v1/{path}?{query}",
                                        timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as err:
            body = json.load(err)
        if body.get("status") != "success":
            raise PrometheusError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, **params: str) -> list[dict]:
        return self.api("query", query=expr, **params)["result"]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict]:
        return self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}",
                        step=f"{step:g}")["result"]

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
