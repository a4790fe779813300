"""The agent as a user runs it: ``agent run`` as a real process on a config file it wrote."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.spool import Spool
from agent.state import SPOOL_DIR, STATE_FILE, read_state

Launcher = Callable[..., subprocess.Popen[Any]]


class AgentProcess:
    """``python -m agent run`` with a config of ``settings`` in ``workdir``; log kept in memory.

    ``launcher`` starts the process (``subprocess.Popen``, or a testbed's ``popen`` bound to a
    site, so that the agent runs inside that site's namespace).
    """

    def __init__(self, workdir: Path, settings: dict[str, object],
                 launcher: Launcher = subprocess.Popen, boot_time: float | None = None) -> None:
        self.workdir = workdir
        self.state_dir = workdir / "state"
        self.config_path = workdir / "agent.conf"
        settings = {"interval": "200ms", "timeout": "1s", "state_dir": str(self.state_dir),
                    **settings}
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
        self._launcher = launcher
        # With a boot time, the host looks as if it had just restarted at that time.
        self._module = (["agent"] if boot_time is None
                        else ["tests.support.rebooted_agent", repr(boot_time)])
        self._process: subprocess.Popen[str] | None = None
        self._log: list[str] = []

    def start(self) -> AgentProcess:
        self._process = self._launcher(
            [sys.executable, "-m", *self._module, "run", "-c", str(self.config_path)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=str(Path(__file__).parents[2]))
        threading.Thread(target=self._read_log, args=(self._process,), daemon=True).start()
        return self

    def _read_log(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._log.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def log(self) -> str:
        return "\n".join(self._log)

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """Signal the agent (SIGKILL stands for a crash) and wait for it to end."""
        process = self._process
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait(timeout=10)

    def state(self) -> dict:
        return read_state(str(self.state_dir / STATE_FILE))

    def spooled(self) -> int:
        spool = Spool(str(self.state_dir / SPOOL_DIR), 1, 1)
        if not os.path.isdir(spool.directory):
            return 0
        spool.scan()
        return len(spool)
