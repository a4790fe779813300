"""The collector as a user runs it: a real process with a YAML config, scraped over HTTP."""

from __future__ import annotations

import os
import resource
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TextIO

import yaml

from tests.support.metrics import samples, scrape, value
from tests.support.waiting import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CollectorProcess:
    """``collector run`` on a config built from ``sections``; its log is kept in memory."""

    def __init__(self, sections: dict, workdir: Path | None = None, *, host: str = "127.0.0.1",
                 ca_file: Path | None = None, open_files: int | None = None,
                 journal: bool = False) -> None:
        """``host`` is the address to listen on; with ``ca_file`` the collector is reached
        over HTTPS (its certificate in ``sections``) and must be trusted by that CA; with
        ``open_files`` it may open no more files than that (soft and hard limit); with
        ``journal`` its stderr is a stream JOURNAL_STREAM names, as systemd sets it for a
        service whose output goes to the journal."""
        self._open_files = open_files
        self._journal = journal
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="pantau-test-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._host = host
        self.config_path = self.workdir / "collector.yml"
        self.write_config(sections)
        reach = "127.0.0.1" if host in ("0.0.0.0", "127.0.0.1") else host
        self.base = f"{'https' if ca_file else 'http'}://{reach}:{self.port}"
        self._context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self._log: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._stream: TextIO | None = None

    def write_config(self, sections: dict) -> None:
        """Write its config from ``sections`` (again, before a reload): its port and data
        directory stay."""
        sections = dict(sections)
        collector = {"listen": f"{self._host}:{self.port}",
                     "data_dir": str(self.workdir / "data"), "log_level": "info",
                     **sections.pop("collector", {})}
        config = {"collector": collector, **sections}
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def command(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        """``collector ARGS -c CONFIG``, as a user runs it beside the running collector."""
        return subprocess.run([sys.executable, "-m", "collector", *args, "-c",
                               str(self.config_path)], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def start(self) -> CollectorProcess:
        limit = self._open_files
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("JOURNAL_STREAM", None)
        output: int = subprocess.PIPE
        reader = None
        if self._journal:
            reader, output = os.pipe()
            status = os.fstat(output)
            env["JOURNAL_STREAM"] = f"{status.st_dev}:{status.st_ino}"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "collector", "run", "-c", str(self.config_path)],
            stdout=output, stderr=subprocess.STDOUT, text=True, env=env,
            preexec_fn=None if limit is None else lambda: resource.setrlimit(
                resource.RLIMIT_NOFILE, (limit, limit)))
        if reader is not None:
            os.close(output)
            self._stream = os.fdopen(reader, encoding="utf-8", errors="replace")
        else:
            self._stream = self._process.stdout
        threading.Thread(target=self._read_log, daemon=True).start()
        wait_until(self._serving, timeout=15, what="the collector to serve /healthz")
        return self

    def _read_log(self) -> None:
        assert self._stream is not None
        for line in self._stream:
            self._log.append(line.rstrip("\n"))

    def _serving(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise AssertionError("collector exited:\n" + self.log)
        try:
            scrape(self.base + "/healthz", timeout=1, context=self._context)
        except OSError:
            return False
        return True

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def log(self) -> str:
        return "\n".join(self._log)

    def metrics(self) -> str:
        return scrape(self.base + "/metrics", context=self._context)

    def value(self, name: str, **labels: str) -> float | None:
        return value(self.metrics(), name, **labels)

    def link_state(self, site: str, link: str) -> str | None:
        for sample in samples(self.metrics()):
            if (sample.name == "pantau_link_state" and sample.value == 1
                    and sample.labels["site"] == site and sample.labels["link"] == link):
                return sample.labels["state"]
        return None

    def wait_link_state(self, site: str, link: str, state: str, timeout: float = 20) -> None:
        wait_until(lambda: self.link_state(site, link) == state, timeout=timeout, interval=0.1,
                   what=f"{site}/{link} to be {state} (is {self.link_state(site, link)})")

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer would end it: no shutdown at all."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """Stop it with ``signum``; its exit code (None: it had to be killed)."""
        if self._process is None or self._process.poll() is not None:
            return None if self._process is None else self._process.returncode
        self._process.send_signal(signum)
        try:
            return self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
            return None
