"""Installing a Pantau program as a systemd service, shared by `agent install` and
`collector install`: a plan first (each file with its content and mode, marked create,
update or unchanged, then the systemctl commands the changes call for), printed by
``--dry-run`` or carried out. A second install with the same arguments finds nothing to do.

Standard library only, and Python 3.8: the agent, which runs on the agencies' old servers,
imports it too.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass

SANDBOX = """\
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RemoveIPC=yes
KeyringMode=private
DevicePolicy=closed
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
"""
"""The end of every Pantau unit: the kernel, the other processes and all but IP and local
sockets out of reach, the system calls of an ordinary service only."""


@dataclass(frozen=True)
class PlannedFile:
    path: str
    """Where it goes on the target system (``--root`` not included)."""
    content: str | bytes
    """Text, or bytes (a program's archive)."""
    mode: int
    action: str
    """create, update, unchanged or remove."""


@dataclass(frozen=True)
class Plan:
    root: str
    files: tuple[PlannedFile, ...]
    commands: tuple[tuple[str, ...], ...]

    @property
    def changes(self) -> bool:
        return bool(self.commands) or any(f.action != "unchanged" for f in self.files)


def on(root: str, path: str) -> str:
    """``path`` of the target system, under ``root``."""
    return os.path.join(root, path.lstrip("/"))


def planned(root: str, path: str, content: str | bytes, mode: int) -> PlannedFile:
    """``content`` for ``path``, marked by what writing it would change."""
    target = on(root, path)
    data = content.encode() if isinstance(content, str) else content
    try:
        with open(target, "rb") as file:
            same = file.read() == data and (os.stat(target).st_mode & 0o7777) == mode
        action = "unchanged" if same else "update"
    except FileNotFoundError:
        action = "create"
    return PlannedFile(path, content, mode, action)


def removal(root: str, paths: tuple[str, ...]) -> tuple[PlannedFile, ...]:
    """Those of ``paths`` that exist, to be removed."""
    return tuple(PlannedFile(path, "", 0, "remove") for path in paths
                 if os.path.lexists(on(root, path)))


def systemd_running(root: str) -> bool:
    """systemd is the init of this machine (and we install into it, not into a directory)."""
    return os.path.realpath(root) == "/" and os.path.isdir("/run/systemd/system")


def systemctl_ok(verb: str, unit: str, *args: str) -> bool:
    done = subprocess.run(["systemctl", verb, *args, unit], capture_output=True, timeout=60)
    return done.returncode == 0


def start_commands(unit: str, files: tuple[PlannedFile, ...],
                   unit_file: PlannedFile) -> list[tuple[str, ...]]:
    """What systemctl must do for ``files`` (``unit_file`` among them) to be in force: reload
    its units when the unit file changes; enable and start the service, or restart it when
    one of its files changed."""
    commands: list[tuple[str, ...]] = []
    if unit_file.action != "unchanged":
        commands.append(("systemctl", "daemon-reload"))
    if not systemctl_ok("is-enabled", unit, "--quiet") or \
            not systemctl_ok("is-active", unit, "--quiet"):
        commands.append(("systemctl", "enable", "--now", unit))
    elif any(each.action != "unchanged" for each in files):
        commands.append(("systemctl", "restart", unit))
    return commands


def carry_out(plan: Plan, program: str, command: str, dry_run: bool,
              secret_keys: tuple[str, ...] = ()) -> int:
    """What `install` and `uninstall` do with their plan, as both programs say it: printed
    (``--dry-run``), found to change nothing, or applied step by step; 0, or 1 on failure."""
    if dry_run:
        sys.stdout.write(describe(plan, secret_keys))
        return 0
    if not plan.changes:
        print("nothing to change: already installed as requested" if command == "install"
              else "nothing to remove")
        return 0
    steps: list[str] = []
    try:
        apply(plan, steps)
    except (OSError, subprocess.SubprocessError) as err:
        print("\n".join(steps), file=sys.stderr)
        print(f"{program}: {command} failed: {err}", file=sys.stderr)
        return 1
    print("\n".join(steps))
    return 0


def apply(plan: Plan, log: list[str]) -> None:
    """Carry the plan out, noting each step in ``log``; raises OSError or CalledProcessError."""
    for each in plan.files:
        target = on(plan.root, each.path)
        if each.action == "remove":
            os.unlink(target)
        elif each.action != "unchanged":
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            write_file(target, each.content, each.mode)
        log.append(f"{each.action:9} {target}")
    for command in plan.commands:
        log.append("run       " + " ".join(command))
        subprocess.run(command, check=True, timeout=120)


def describe(plan: Plan, secret_keys: tuple[str, ...] = ()) -> str:
    """The plan as ``--dry-run`` prints it: every file in full (a line ``KEY = ...`` of a
    key in ``secret_keys`` as ``KEY = <secret>``), then every command."""
    out = []
    hidden = tuple(f"{key} = " for key in secret_keys)
    for each in plan.files:
        target = on(plan.root, each.path)
        if each.action == "remove":
            out.append(f"would remove {target}")
            continue
        if isinstance(each.content, bytes):
            out.append(f"would {each.action} {target} (mode {each.mode:04o}): "
                       f"{len(each.content)} bytes, sha256 "
                       f"{hashlib.sha256(each.content).hexdigest()}")
            continue
        out.append(f"would {each.action} {target} (mode {each.mode:04o}):")
        out += ["    " + (line.split("=", 1)[0] + "= <secret>" if line.startswith(hidden)
                          and hidden else line) for line in each.content.splitlines()]
    out += ["would run " + " ".join(command) for command in plan.commands]
    if not plan.changes:
        out.append("nothing to change")
    return "\n".join(out) + "\n"


def write_file(target: str, content: str | bytes, mode: int,
               owner: tuple[int, int] | None = None) -> None:
    """Replace ``target`` whole with ``content``: flushed to disk, created with its final
    ``mode`` (and ``owner``, uid and gid), so a secret in it is never readable by others,
    not even briefly."""
    temporary = target + ".new"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        if owner is not None:
            os.fchown(fd, *owner)
        data = content.encode() if isinstance(content, str) else content
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, target)
