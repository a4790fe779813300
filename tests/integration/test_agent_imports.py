"""What ``agent run`` loads: psutil and the standard library, and none of the modules that
cost it memory for nothing (docs/agent.md, "Memory and CPU")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.collector_process import CollectorProcess
from tests.support.tls import make_pki
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

REPO = Path(__file__).parents[2]
# Each would cost the agent from 0.1 to 1.1 MiB of memory; what it does instead is in brackets.
# (psutil itself brings subprocess, threading, datetime, pathlib and urllib.parse along.)
UNWANTED = {
    "http.client",     # agent.http_client (http.client brings the email package)
    "email",
    "argparse",        # agent.cli.run_config_path, for run
    "typing",
    "encodings.idna",  # host names as bytes
    "dataclasses",
    "logging",
}
SITES = [{"name": "core", "links": [{"name": "lan", "kind": "fiber", "targets": ["127.0.0.1"]}]}]


def imported_by_agent_run(tmp_path: Path, tls: bool) -> set[str]:
    pki = make_pki(tmp_path / "pki") if tls else None
    collector = CollectorProcess({
        "collector": {"tls_cert_file": str(pki.cert_file),
                      "tls_key_file": str(pki.key_file)} if pki else {},
        "icmp": {"interval": "10s", "jitter": 0, "echoes": 1, "echo_interval": "50ms",
                 "timeout": "500ms"},
        "agents": {"clients": [{"name": "web", "site": "core", "token": "web-token"}]},
        "sites": SITES}, tmp_path, ca_file=pki.ca_file if pki else None)
    config = tmp_path / "agent.conf"
    config.write_text(f"collector = {collector.base}\nname = web\ntoken = web-token\n"
                      f"interval = 100ms\nstate_dir = {tmp_path / 'state'}\n"
                      + (f"ca_file = {pki.ca_file}\n" if pki else ""))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    collector.start()
    try:
        # As the installed ``agent`` script starts it: ``-m`` would add runpy's own imports.
        agent = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-c",
             "import sys; from agent.cli import main; sys.exit(main())", "run", "-c",
             str(config)],
            cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            wait_until(lambda: (collector.value("pantau_agent_reports_total", agent="web")
                                or 0) >= 3, timeout=20, what="three reports")
        finally:
            agent.send_signal(signal.SIGTERM)
            _, log = agent.communicate(timeout=10)
    finally:
        collector.stop()
    assert agent.returncode == 0, log
    return {line.rpartition("|")[2].strip() for line in log.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_an_https_agent_loads_none_of_the_unwanted_modules(tmp_path):
    modules = imported_by_agent_run(tmp_path, tls=True)
    assert {"agent.runner", "agent.http_client", "ssl", "psutil"} <= modules
    assert not {m for m in modules if m in UNWANTED or m.split(".")[0] in UNWANTED}


def test_an_http_agent_does_not_load_ssl(tmp_path):
    modules = imported_by_agent_run(tmp_path, tls=False)
    assert "agent.runner" in modules
    assert "ssl" not in modules
