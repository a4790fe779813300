"""A real headless Chromium (Debian package chromium), run once per page like a visitor.

Each run gets a fresh profile and its own session, so it shares nothing with another run,
and whatever it leaves behind (renderers, the crash handler) is killed with it. It reaches
nothing but the address it is given: no proxy, no name lookups, no background services.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT = 60
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server",
    # Without it Chromium asks the system's resolver about names of its own at start-up.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)


def require_chromium() -> str:
    """The chromium binary; skips the calling test when it is not installed."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.skip("chromium is missing (Debian package chromium; scripts/test installs it "
                    "when run as root)")
    return binary


class HeadlessChromium:
    def __init__(self, binary: str) -> None:
        self._binary = binary

    def dump_dom(self, url: str) -> str:
        """The DOM once the page has loaded, serialised as HTML."""
        return self._run(["--dump-dom", url])

    def screenshot(self, url: str, path: Path, width: int, height: int) -> Path:
        """A PNG of the viewport, ``width`` × ``height`` CSS pixels, written to ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self._run([f"--screenshot={path}", f"--window-size={width},{height}", url])
        if not path.is_file() or path.stat().st_size == 0:
            raise AssertionError(f"chromium wrote no screenshot to {path}")
        return path

    def _run(self, args: list[str]) -> str:
        profile = tempfile.mkdtemp(prefix="pantau-chromium-")
        process = subprocess.Popen(
            [self._binary, *FLAGS, f"--user-data-dir={profile}", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill_session(process)
            out, err = process.communicate()
            raise AssertionError(f"chromium {' '.join(args)} took over {TIMEOUT} s:\n"
                                 + _tail(err)) from None
        finally:
            _kill_session(process)
            shutil.rmtree(profile, ignore_errors=True)
        if process.returncode != 0:
            raise AssertionError(f"chromium {' '.join(args)} exited with "
                                 f"{process.returncode}:\n{_tail(err)}")
        return out


def _kill_session(process: subprocess.Popen[str]) -> None:
    # The process group is the one this run created (start_new_session), led by chromium.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.splitlines()[-lines:])
