"""The agent's memory and CPU beside node_exporter and zabbix-agent2, in one run.

Starts, all on loopback:
  1. a collector serving HTTPS (a throwaway CA made with openssl), and the Pantau agent
     pushing to it every --interval, twice: as deployed (a wheel of this tree, built offline
     and installed into a fresh virtual environment of --python, by default the
     distribution's python3 as on an OPD server; its ``agent run``, the command the systemd
     unit starts), then as the tests run it (``python -m agent`` from this
     tree, an editable install), then as its one-file bundle (`agent bundle`) run by
     ``--python -I`` and by CPython 3.8 where there is one. RSS once settled, CPU per report
     (kernel scheduler statistics over --reports reports, divided by the reports the
     collector stored);
  2. Debian's prometheus-node-exporter, twice: with its default collectors, and with only the
     collectors that produce what the agent sends; RSS idle after --settle seconds, then CPU
     per scrape over --scrapes scrapes and RSS after them;
  3. zabbix-agent2 with passive checks only: RSS after --settle seconds idle;
  4. the floor: FLOOR_PROGRAM, the least a program that reads the host with psutil and sends
     it over TLS can hold, in the deployed agent's virtual environment.
Every process is a plain child process on 127.0.0.1, stopped at the end; only pip reaches
the package index, for the agent's psutil (the version of this environment). Needs root (the
collector pings 127.0.0.1), and setuptools and wheel in this virtual environment to build
the wheel. Install the comparison tools first, not in CI:

    sudo apt-get install -y prometheus-node-exporter zabbix-agent2 openssl python3-venv
    .venv/bin/pip install 'setuptools>=68' wheel
    sudo .venv/bin/python bench/agent_footprint.py [--reports 200] [--python PYTHON]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.exporter_process import stop_process
from tests.support.collector_process import CollectorProcess, free_port
from tests.support.tls import make_pki
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]
NODE_EXPORTER = "prometheus-node-exporter"
ZABBIX_AGENT = "zabbix_agent2"
# node_exporter's collectors that yield the families the agent sends, and nothing else much.
SYSTEM_PYTHON = "/usr/bin/python3"
SAME_COLLECTORS = ("cpu", "loadavg", "meminfo", "filesystem", "diskstats", "netdev", "stat",
                   "time", "uname")


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process, nanosecond resolution (schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
    return total / 1e9


def rss_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MiB: the resident size now, and its peak."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return tuple(int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))


def pss_mib(pid: int) -> float:
    """Proportional set size in MiB: shared library pages divided among their users."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def deploy_agent(workdir: Path, python: str) -> Path:
    """The ``agent`` command as ``pip install pantau`` puts it in a virtual environment.

    Built from this tree with this environment's setuptools; of its dependencies the agent
    imports only psutil, which is installed beside it (the collector's are left out).
    """
    wheels = workdir / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--wheel-dir", str(wheels), str(REPO)],
                   check=True, timeout=600)
    venv = workdir / "deployed"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=600)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--no-deps", "--no-index", *map(str, wheels.glob("pantau-*.whl"))],
                   check=True, timeout=600)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    f"psutil=={importlib.metadata.version('psutil')}"], check=True, timeout=600)
    return venv / "bin" / "agent"


def start_collector(workdir: Path) -> tuple[CollectorProcess, Path]:
    pki = make_pki(workdir / "pki")
    collector = CollectorProcess({
        "collector": {"tls_cert_file": str(pki.cert_file), "tls_key_file": str(pki.key_file)},
        "icmp": {"interval": "10s", "jitter": 0, "echoes": 1, "echo_interval": "50ms",
                 "timeout": "500ms"},
        "agents": {"silence": "30s", "expire": "1m",
                   "clients": [{"name": "bench", "site": "core", "token": "bench-token"}]},
        "sites": [{"name": "core", "links": [{"name": "lan", "kind": "fiber",
                                              "targets": ["127.0.0.1"]}]}],
    }, workdir, ca_file=pki.ca_file)
    return collector.start(), pki.ca_file


def measure_agent(collector: CollectorProcess, ca_file: Path, command: list[str],
                  workdir: Path, reports: int, interval: float) -> dict:
    """``command run -c CONFIG`` pushing to ``collector``, run from an empty directory."""
    workdir.mkdir(parents=True)
    config = workdir / "agent.conf"
    config.write_text(
        f"collector = {collector.base}\nname = bench\nsite = core\ntoken = bench-token\n"
        f"ca_file = {ca_file}\ninterval = {interval}s\nstate_dir = {workdir / 'state'}\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    with (workdir / "agent.log").open("w") as log:
        agent = subprocess.Popen([*command, "run", "-c", str(config)], cwd=workdir,
                                 env=environment, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)

    def stored() -> float:
        if agent.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {agent.returncode}:\n"
                               + (workdir / "agent.log").read_text()[-2000:])
        return collector.value("pantau_agent_reports_total", agent="bench") or 0.0

    try:
        # Start-up (imports, the first TLS handshake) is not part of the steady state.
        start = stored()
        wait_until(lambda: stored() >= start + 10, timeout=60, what="ten reports")
        first, cpu0 = stored(), cpu_seconds(agent.pid)
        wait_until(lambda: stored() >= first + reports, timeout=reports * interval * 4 + 30,
                   interval=0.2, what=f"{reports} more reports")
        count, cpu1 = stored() - first, cpu_seconds(agent.pid)
        rss, peak = rss_mib(agent.pid)
        pss = pss_mib(agent.pid)
        return {"rss": rss, "peak": peak, "pss": pss, "cpu_per_report": (cpu1 - cpu0) / count,
                "reports": count}
    finally:
        stop_process(agent)


# The least any program can hold that reads the host with psutil and sends it over TLS from
# CPython: the agent's readings, JSON and zlib, one verified TLS connection, nothing else.
FLOOR_PROGRAM = """
import json, socket, ssl, sys, zlib
import psutil
host, port, ca_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tls = ssl.create_default_context(cafile=ca_file)
with tls.wrap_socket(socket.create_connection((host, port)), server_hostname=host) as conn:
    for _ in range(20):
        reading = [psutil.cpu_times(percpu=True), psutil.getloadavg(), psutil.virtual_memory(),
                   psutil.swap_memory(), psutil.disk_partitions(all=True),
                   psutil.disk_io_counters(perdisk=True), psutil.net_io_counters(pernic=True),
                   psutil.boot_time()]
        body = zlib.compress(json.dumps(repr(reading)).encode())
        conn.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: " + host.encode() + b"\\r\\n\\r\\n")
        conn.recv(65536)
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    print(int(status["VmRSS"].split()[0]) / 1024)
"""


def measure_floor(python: Path, collector: CollectorProcess, ca_file: Path) -> float:
    """RSS in MiB of FLOOR_PROGRAM run by ``python`` (one with psutil) against the collector."""
    host, port = collector.base.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run([str(python), "-c", FLOOR_PROGRAM, host, port, str(ca_file)],
                          capture_output=True, text=True, env=environment, timeout=120,
                          check=True)
    return float(done.stdout.strip())


def measure_node_exporter(scrapes: int, settle: float, collectors: tuple[str, ...] = ()
                          ) -> dict:
    port = free_port()
    argv = [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}"]
    if collectors:
        argv += ["--collector.disable-defaults", *(f"--collector.{c}" for c in collectors)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"

    def scrape() -> int:
        with urllib.request.urlopen(url, timeout=10) as response:
            return len(response.read())

    try:
        wait_until(lambda: _listening(port), timeout=30, what="node_exporter to listen")
        # Idle first, as zabbix-agent2 is measured.
        deadline = time.monotonic() + settle
        wait_until(lambda: process.poll() is not None or time.monotonic() >= deadline,
                   timeout=settle + 5, interval=0.2, what="node_exporter to settle")
        idle = rss_mib(process.pid)[0]
        wait_until(lambda: _answers(scrape), timeout=30, what="node_exporter to answer")
        for _ in range(5):
            scrape()
        cpu0 = cpu_seconds(process.pid)
        size = sum(scrape() for _ in range(scrapes)) / scrapes
        cpu1 = cpu_seconds(process.pid)
        rss, peak = rss_mib(process.pid)
        return {"idle": idle, "rss": rss, "peak": peak,
                "cpu_per_scrape": (cpu1 - cpu0) / scrapes, "bytes": size}
    finally:
        stop_process(process)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers(scrape) -> bool:
    try:
        scrape()
    except OSError:
        return False
    return True


def zabbix_port() -> int:
    """A free port in the range zabbix-agent2 accepts (1024 to 32767)."""
    for port in range(31000, 32768):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 31000 and 32767")


def measure_zabbix(workdir: Path, settle: float) -> dict:
    config = workdir / "zabbix_agent2.conf"
    config.write_text(
        "LogType=console\nServer=127.0.0.1\nListenIP=127.0.0.1\n"
        f"ListenPort={zabbix_port()}\nHostname=bench\nPidFile={workdir}/zabbix_agent2.pid\n"
        f"ControlSocket={workdir}/zabbix_agent2.sock\n")
    output = workdir / "zabbix_agent2.log"
    with output.open("w") as log:
        process = subprocess.Popen([ZABBIX_AGENT, "-c", str(config)], stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + settle
        wait_until(lambda: process.poll() is not None or time.monotonic() >= deadline,
                   timeout=settle + 5, interval=0.2, what="zabbix-agent2 to settle")
        if process.poll() is not None:
            raise RuntimeError(f"{ZABBIX_AGENT} exited with {process.returncode}:\n"
                               + output.read_text()[-2000:])
        rss, peak = rss_mib(process.pid)
        return {"rss": rss, "peak": peak}
    finally:
        stop_process(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--scrapes", type=int, default=100)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--python", default=default_python(),
                        help="interpreter of the deployed agent's virtual environment "
                             f"(default: {default_python()})")
    args = parser.parse_args()
    missing = [tool for tool in (NODE_EXPORTER, ZABBIX_AGENT, "openssl")
               if shutil.which(tool) is None]
    if missing:
        print(f"missing: {', '.join(missing)}; install them as the docstring says",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
        workdir = Path(tmp)
        deployed = deploy_agent(workdir, args.python)
        collector, ca_file = start_collector(workdir)
        try:
            agents = [
                (f"agent deployed ({_version(args.python)})",
                 measure_agent(collector, ca_file, [str(deployed)], workdir / "deployed-run",
                               args.reports, args.interval)),
                ("agent as tests run it (editable, -m)",
                 measure_agent(collector, ca_file, [sys.executable, "-m", "agent"],
                               workdir / "editable-run", args.reports, args.interval)),
            ]
            # The one-file bundle, as an offline OPD server runs it: by its python3, and by
            # the oldest CPython the agent supports where this machine has one.
            bundle = workdir / "pantau-agent.pyz"
            subprocess.run([str(Path(sys.executable).parent / "agent"), "bundle", "--out",
                            str(bundle)], check=True, timeout=600, stdout=subprocess.DEVNULL)
            for python in dict.fromkeys([args.python, *old_pythons()]):
                agents.append((f"agent bundled ({_version(python)} -I)",
                               measure_agent(collector, ca_file, [python, "-I", str(bundle)],
                                             workdir / f"bundle-run-{len(agents)}",
                                             args.reports, args.interval)))
            floor = measure_floor(deployed.with_name("python"), collector, ca_file)
        finally:
            collector.stop()
        node_all = measure_node_exporter(args.scrapes, args.settle)
        node_same = measure_node_exporter(args.scrapes, args.settle, SAME_COLLECTORS)
        zabbix = measure_zabbix(workdir, args.settle)
    print(f"{'HTTPS push every report, scrape':42} {'RSS MiB':>8} {'peak':>6} {'PSS':>6} "
          f"{'CPU ms':>7}")
    for label, agent in agents:
        print(f"{label:42} {agent['rss']:8.1f} {agent['peak']:6.1f} {agent['pss']:6.1f} "
              f"{agent['cpu_per_report'] * 1000:7.2f}   ({agent['reports']:.0f} reports)")
    for label, node in (("node_exporter defaults", node_all),
                        ("node_exporter same metrics", node_same)):
        print(f"{label:42} {node['rss']:8.1f} {node['peak']:6.1f} {'':6} "
              f"{node['cpu_per_scrape'] * 1000:7.2f}   (idle {node['idle']:.1f} MiB; "
              f"{node['bytes'] / 1024:.0f} KiB/scrape)")
    print(f"{'zabbix-agent2, idle':42} {zabbix['rss']:8.1f} {zabbix['peak']:6.1f}")
    print(f"{'floor: psutil + TLS in 15 lines, same venv':42} {floor:8.1f}")
    agent = agents[0][1]
    print(f"deployed agent: RSS / zabbix-agent2 idle {agent['rss'] / zabbix['rss']:.2f} "
          f"(goal <= 1), / node_exporter idle {agent['rss'] / node_all['idle']:.2f} "
          f"(goal <= 1.25); CPU per report / node_exporter per scrape "
          f"{agent['cpu_per_report'] / node_all['cpu_per_scrape']:.2f} (defaults), "
          f"{agent['cpu_per_report'] / node_same['cpu_per_scrape']:.2f} (same metrics; "
          "goal <= 0.5 against defaults)")
    print(f"floor: RSS / zabbix-agent2 idle {floor / zabbix['rss']:.2f}, / node_exporter idle "
          f"{floor / node_all['idle']:.2f}")
    return 0


def old_pythons() -> list[str]:
    """CPython 3.8 (the oldest the agent supports), where this machine has one."""
    import glob

    return sorted(glob.glob("/root/.pyenv/versions/3.8*/bin/python3"))[:1] or [
        path for path in (shutil.which("python3.8"),) if path]


def default_python() -> str:
    """The distribution's python3, which an OPD server runs the agent with; else the one
    under this environment."""
    return SYSTEM_PYTHON if os.access(SYSTEM_PYTHON, os.X_OK) else sys._base_executable


def _version(python: str) -> str:
    done = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, timeout=60, check=True)
    return f"{Path(python).name} {done.stdout.strip()}"


if __name__ == "__main__":
    sys.exit(main())
