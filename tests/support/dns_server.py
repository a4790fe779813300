"""A real name server for DNS service checks: dnsmasq (Debian package dnsmasq-base), on an
address and port of the test's, answering only from a hosts file the test writes (no upstream,
no /etc/hosts). Rewriting the file and calling ``reload`` changes the answers, as SIGHUP makes
dnsmasq read it again; ``txt`` records are for answers too long for one UDP datagram."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.waiting import wait_until


class DnsServer:
    """With ``port`` None, a port free for both UDP and TCP on ``address`` is chosen at
    start, and another if dnsmasq finds it taken after all (it binds both)."""

    def __init__(self, workdir: Path, address: str, port: int | None,
                 hosts: Mapping[str, str], txt: Mapping[str, list[str]] | None = None,
                 popen: Callable[..., subprocess.Popen[Any]] = subprocess.Popen) -> None:
        if shutil.which("dnsmasq") is None:
            pytest.skip("dnsmasq is missing (Debian package dnsmasq-base)")
        self.address, self._fixed_port = address, port
        self.port = port or 0
        self.hosts_file = workdir / "hosts"
        self.write(hosts)
        self._config = workdir / "dnsmasq.conf"
        lines = [f"listen-address={address}", "bind-interfaces", "no-resolv",
                 "no-hosts", f"addn-hosts={self.hosts_file}", "log-facility=-",
                 # Kept as the user who started it: no switch to "nobody" after binding.
                 "user=root" if os.geteuid() == 0 else ""]
        for name, strings in (txt or {}).items():
            lines.append(f"txt-record={name}," + ",".join(f'"{s}"' for s in strings))
        self._config.write_text("\n".join(line for line in lines if line) + "\n")
        self._popen = popen
        self._process: subprocess.Popen[Any] | None = None
        self.log: list[str] = []

    def write(self, hosts: Mapping[str, str]) -> None:
        self.hosts_file.write_text("".join(f"{address} {name}\n"
                                           for name, address in hosts.items()))

    def start(self) -> DnsServer:
        for _ in range(5):
            if self._fixed_port is None:
                self.port = _free_udp_and_tcp_port(self.address)
            self.log = []
            self._process = self._popen(["dnsmasq", "--keep-in-foreground",
                                         f"--conf-file={self._config}", f"--port={self.port}"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
            self._reader = threading.Thread(target=self._read_log,
                                            args=(self._process, self.log), daemon=True)
            self._reader.start()
            try:
                self._wait_for_reads(1)
                return self
            except RuntimeError:
                if self._fixed_port is not None or \
                        not any("Address already in use" in line for line in self.log):
                    raise
        raise RuntimeError("dnsmasq found every port it was given taken")

    def reload(self) -> None:
        """Read the hosts file again (SIGHUP), and wait until dnsmasq says it has."""
        assert self._process is not None
        before = self._reads()
        self._process.send_signal(signal.SIGHUP)
        self._wait_for_reads(before + 1)

    @staticmethod
    def _read_log(process: subprocess.Popen[Any], log: list[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)

    def _reads(self) -> int:
        # dnsmasq says "read <hosts file> - N names" each time it has read the file.
        return sum(f"read {self.hosts_file}" in line for line in list(self.log))

    def _wait_for_reads(self, count: int) -> None:
        assert self._process is not None
        process = self._process

        def done() -> bool:
            if process.poll() is not None:
                self._reader.join(timeout=5)  # its last words, before they are quoted
                raise RuntimeError(f"dnsmasq stopped (exit {process.returncode}): "
                                   + "".join(self.log))
            return self._reads() >= count

        wait_until(done, timeout=10, what="dnsmasq reading its hosts file")

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()



def _free_udp_and_tcp_port(address: str) -> int:
    """A port that is free on ``address`` for UDP and for TCP at once, as dnsmasq needs."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((address, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((address, port))
                except OSError:
                    continue
                return port
    raise RuntimeError(f"no port free for both UDP and TCP on {address}")
