"""A real net-snmp ``snmpd`` for tests and benchmarks, on an address and port of its own.

Each agent keeps its config and persistent state in a private directory, so it neither reads
nor writes /etc/snmp or /var/lib/snmp and never meets a system snmpd on port 161. The Debian
packages ``snmpd`` (the agent) and ``snmp`` (snmpget and snmpwalk, used for readiness and by
tests) provide the programs.
"""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.snmpd_config import (
    BENCH_V3_USER,
    ENGINE_ID,
    SYS_UPTIME,
    AgentConfig,
    PassPersist,
    V3User,
    render,
)
from tests.support.snmpd_process import (
    die_with,
    free_udp_port,
    require_free_port,
    signal_group,
)
from tests.support.waiting import wait_until

__all__ = ["BENCH_V3_USER", "SYS_UPTIME", "SnmpAgent", "SnmpAgentError", "free_udp_port"]

REPO_ROOT = Path(__file__).resolve().parents[2]
Popen = Callable[..., "subprocess.Popen[Any]"]


class SnmpAgentError(RuntimeError):
    """snmpd would not start or stop, or an SNMP command against it failed."""


class SnmpAgent:
    """One snmpd in the foreground, answering v2c ``community`` and, when ``v3_user`` is given
    as ``(user, auth_pass, priv_pass)``, SNMPv3 authPriv with SHA and AES.

    ``without_ifxtable`` hides IF-MIB's ifXTable (1.3.6.1.2.1.31) like an old device does.
    ``pass_persist`` hands subtrees to programs, ``[(oid_prefix, argv)]``. With ``netns`` the
    agent runs in that network namespace (``ip netns exec``), and so do the readiness checks.
    ``popen`` replaces ``subprocess.Popen`` for starting snmpd, e.g. ``functools.partial(
    tb.popen, site)`` so that a testbed also tracks it; it must enter the namespace itself
    and honour the keyword arguments it is given (``start_new_session`` above all).

    ``start()`` returns once this snmpd (its engine ID, not another agent's on the same port)
    answers a v2c get of sysUpTime, or raises SnmpAgentError quoting its log. ``restart()``
    keeps the persistent state, so sysUpTime starts again from 0 and snmpEngineBoots goes up,
    as on a rebooted device. ``close()`` (or leaving the ``with`` block, or interpreter exit)
    stops it and removes the directory it made. The kernel kills snmpd when the thread that
    started it ends (PR_SET_PDEATHSIG), so start agents from a thread that outlives them.
    """

    def __init__(self, address: str = "127.0.0.1", port: int = 16161, community: str = "public",
                 v3_user: V3User | None = BENCH_V3_USER, sys_name: str = "pantau-test-agent",
                 sys_descr: str = "net-snmp agent for Pantau tests",
                 without_ifxtable: bool = False,
                 pass_persist: Sequence[tuple[str, Sequence[str]]] = (),
                 netns: str | None = None, popen: Popen | None = None,
                 workdir: Path | str | None = None, start_timeout: float = 15.0) -> None:
        self.address = address
        self.port = port
        self.community = community
        self.v3_user = v3_user
        self.netns = netns
        self.start_timeout = start_timeout
        self._popen = popen
        # Unique per agent and kept across restarts, as a device keeps its engine ID: readiness
        # checks that the agent answering on the port is this one.
        self._engine_text = f"{port}-{secrets.token_hex(6)}"
        # Rendered first: a value snmpd would misread fails here, before anything is made.
        self._config_text = render(AgentConfig(
            community=community, v3_user=v3_user, sys_name=sys_name, sys_descr=sys_descr,
            without_ifxtable=without_ifxtable,
            pass_persist=tuple(PassPersist(prefix, tuple(argv)) for prefix, argv in pass_persist),
            engine_id=self._engine_text))
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="pantau-snmpd-"))
        self._process: subprocess.Popen[Any] | None = None
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """``ADDRESS:PORT``, as the net-snmp tools and snmp_exporter name a target."""
        return f"{self.address}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        return self.workdir / "snmpd.log"

    def start(self) -> SnmpAgent:
        self.launch()
        self.wait_ready()
        return self

    def launch(self) -> None:
        """Start snmpd without waiting for it; ``wait_ready()`` then waits. Several agents
        come up at once when launched one after the other and waited on side by side."""
        if self._closed:
            raise SnmpAgentError("start() after close()")
        if self._process is not None and self._process.poll() is None:
            raise SnmpAgentError(f"snmpd on {self.endpoint} is already running")
        if self.netns is None and self._popen is None:
            # snmpd binds with SO_REUSEADDR: on a taken port it would start, and one of the
            # two agents would stop getting requests.
            try:
                require_free_port(self.address, self.port)
            except OSError as exc:
                raise SnmpAgentError(f"cannot start snmpd on {self.endpoint}: {exc}") from exc
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_path = self.workdir / "snmpd.conf"
        config_path.write_text(self._config_text)
        (self.workdir / "state").mkdir(mode=0o700, exist_ok=True)
        argv = ["snmpd", "-f", "-Lo", "-I", "-smux", "-c", str(config_path),
                "-p", str(self.workdir / "snmpd.pid"), f"udp:{self.endpoint}"]
        atexit.register(self.close)
        with self.log_path.open("ab") as log:
            self._process = self._launch(argv, log)

    def wait_ready(self) -> None:
        """Wait until this snmpd answers; on failure stop it and raise SnmpAgentError."""
        try:
            wait_until(self._answers, timeout=self.start_timeout, interval=0.1,
                       what=f"snmpd on {self.endpoint} to answer")
        except BaseException as exc:
            self.stop()
            if isinstance(exc, TimeoutError):
                raise SnmpAgentError(f"{exc}; its log:\n{self.log()}") from exc
            raise

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM to snmpd and its pass_persist programs, SIGKILL after ``grace`` seconds."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
        # The pass_persist programs share snmpd's process group; none may outlive it.
        signal_group(process, signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop snmpd and remove the directory it made. Idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        try:
            self.stop()
        finally:
            if self._own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SnmpAgent:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- the net-snmp command-line tools ---------------------------------------------------

    def cli(self, tool: str, *args: str, version: str = "2c", community: str | None = None,
            timeout: float = 1.0, retries: int = 1, from_root: bool = False,
            run_timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run ``snmpget``/``snmpwalk``/... against this agent; output numeric (``-On``).

        ``version`` "2c" uses ``community`` (the agent's by default), "3" the v3 user with
        authPriv SHA/AES. The tool runs in the agent's namespace unless ``from_root``.
        """
        argv = [tool, "-On", "-t", str(timeout), "-r", str(retries)]
        if version == "3":
            if self.v3_user is None:
                raise SnmpAgentError("this agent has no SNMPv3 user")
            user, auth, priv = self.v3_user
            argv += ["-v3", "-l", "authPriv", "-u", user, "-a", "SHA", "-A", auth,
                     "-x", "AES", "-X", priv]
        else:
            argv += ["-v", version, "-c", community if community is not None else self.community]
        argv += [self.endpoint, *args]
        if self.netns and not from_root:
            argv = ["ip", "netns", "exec", self.netns, *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=run_timeout,
                              env=self._cli_env())

    def get(self, *oids: str, version: str = "2c", from_root: bool = False) -> dict[str, str]:
        """``{oid: "TYPE: value"}`` (OIDs without the leading dot); raises on any failure."""
        values = _parse(self._checked("snmpget", *oids, version=version, from_root=from_root))
        missing = [oid for oid, value in values.items() if value.startswith("No Such")]
        if missing:
            raise SnmpAgentError(f"{self.endpoint} has no {missing}")
        return values

    def walk(self, oid: str, version: str = "2c", from_root: bool = False) -> dict[str, str]:
        """Like ``get``, in the agent's order; empty when nothing is under ``oid``."""
        values = _parse(self._checked("snmpwalk", oid, version=version, from_root=from_root))
        # On an empty subtree snmpwalk falls back to a get of its root and prints the refusal.
        return {key: value for key, value in values.items() if not value.startswith("No Such")}

    def uptime_ticks(self, version: str = "2c") -> int:
        """sysUpTime.0 in hundredths of a second."""
        text = self.get(SYS_UPTIME, version=version)[SYS_UPTIME]
        return int(text.split("(", 1)[1].split(")", 1)[0])

    # -- internals -------------------------------------------------------------------------

    def _launch(self, argv: list[str], log: Any) -> subprocess.Popen[Any]:
        env = {**os.environ,
               "SNMP_PERSISTENT_DIR": str(self.workdir / "state"),
               "SNMPCONFPATH": str(self.workdir / "state"),
               "MIBS": "",
               # pass_persist programs from tests.support import from the repository
               "PYTHONPATH": os.pathsep.join(
                   filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
        kwargs: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": log,
                                  "stderr": subprocess.STDOUT, "env": env,
                                  "start_new_session": True,
                                  "preexec_fn": functools.partial(die_with, os.getpid())}
        if self._popen is not None:
            return self._popen(argv, **kwargs)
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns, *argv]
        return subprocess.Popen(argv, **kwargs)

    def _answers(self) -> bool:
        if self._process is None or self._process.poll() is not None:
            code = None if self._process is None else self._process.returncode
            raise SnmpAgentError(f"snmpd on {self.endpoint} exited ({code}); its log:\n"
                                 f"{self.log()}")
        done = self.cli("snmpget", SYS_UPTIME, ENGINE_ID, timeout=0.3, retries=0,
                        run_timeout=10)
        if done.returncode != 0:
            return False
        answered = _parse(done.stdout).get(ENGINE_ID, "").replace(" ", "").upper()
        if not answered.endswith(self._engine_text.encode().hex().upper()):
            raise SnmpAgentError(f"another SNMP agent answers on {self.endpoint} "
                                 f"(engine ID {answered or 'unknown'})")
        return True

    def _checked(self, tool: str, *args: str, version: str, from_root: bool) -> str:
        done = self.cli(tool, *args, version=version, from_root=from_root)
        if done.returncode != 0:
            raise SnmpAgentError(f"{tool} {' '.join(args)} on {self.endpoint}: "
                                 f"exit {done.returncode}: {(done.stderr or done.stdout).strip()}")
        return done.stdout

    def _cli_env(self) -> dict[str, str]:
        cli_state = self.workdir / "cli"
        cli_state.mkdir(mode=0o700, parents=True, exist_ok=True)
        return {**os.environ, "SNMP_PERSISTENT_DIR": str(cli_state),
                "SNMPCONFPATH": str(cli_state), "MIBS": ""}


def _parse(output: str) -> dict[str, str]:
    """``.1.3.6.1.2.1.1.5.0 = STRING: "x"`` lines into ``{"1.3.6.1.2.1.1.5.0": 'STRING: "x"'}``;
    a value that runs over several lines (long hex strings) is joined with spaces."""
    values: dict[str, str] = {}
    last = None
    for line in output.splitlines():
        oid, sep, value = line.partition(" = ")
        if sep and oid.startswith("."):
            last = oid[1:]
            values[last] = value
        elif last is not None and line.strip():
            values[last] += " " + line.strip()
    return values
