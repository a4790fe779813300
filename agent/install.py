"""``agent install`` and ``agent uninstall``: the config file, the systemd unit, systemctl.

Installing is a plan first: each file with its content and mode, marked create, update or
unchanged, then the systemctl commands the changes call for. ``--dry-run`` prints the plan;
otherwise it is carried out. A second install with the same arguments finds nothing to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from agent.config import DEFAULT_PATH, AgentConfig

UNIT_NAME = "pantau-agent.service"
UNIT_PATH = f"/etc/systemd/system/{UNIT_NAME}"
CONFIG_PATH = DEFAULT_PATH
CREDENTIAL = "agent.conf"

# The service runs as a user systemd makes up at each start (DynamicUser), which cannot read a
# root-only file: the config reaches it as a credential, a copy that only the service can read.
UNIT_TEMPLATE = """\
# Written by `agent install`; `agent uninstall` removes it.
[Unit]
Description=Pantau agent: pushes this server's health to the Pantau collector
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
ExecStart={executable} run --config %d/{credential}
LoadCredential={credential}:{config_path}
DynamicUser=yes
StateDirectory=pantau-agent
StateDirectoryMode=0700
Restart=on-failure
RestartSec=10s
MemoryMax=96M
UMask=0077

# Nothing beyond reading /proc and /sys, writing the state directory and one TCP connection.
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
# read-only, not yes: hiding /home would put an empty mount where a /home filesystem is,
# and its sizes would be misreported.
ProtectHome=read-only
PrivateTmp=yes
PrivateMounts=yes
PrivateDevices=yes
PrivateUsers=yes
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


@dataclass(frozen=True, slots=True)
class PlannedFile:
    path: str
    """Where it goes on the target system (``--root`` not included)."""
    content: str
    mode: int
    action: str
    """create, update or unchanged."""


@dataclass(frozen=True, slots=True)
class Plan:
    root: str
    files: tuple[PlannedFile, ...]
    commands: tuple[tuple[str, ...], ...]

    @property
    def changes(self) -> bool:
        return bool(self.commands) or any(f.action != "unchanged" for f in self.files)


def render_config(config: AgentConfig) -> str:
    lines = [
        "## Pantau agent: written by `agent install`. Format and keys: docs/agent.md.",
        "## This file holds the agent's token: keep it readable by root only.",
        f"collector = {config.collector}",
        f"name = {config.name}",
        *([f"site = {config.site}"] if config.site else []),
        f"token = {config.token}",
        f"interval = {config.interval:g}s",
    ]
    if config.ca_file:
        lines.append(f"ca_file = {config.ca_file}")
    return "\n".join(lines) + "\n"


def render_unit(executable: str, config_path: str = CONFIG_PATH) -> str:
    return UNIT_TEMPLATE.format(executable=executable, credential=CREDENTIAL,
                                config_path=config_path)


def agent_executable(argv0: str | None = None) -> str | None:
    """The installed ``agent`` command: this process's own, else the one on PATH."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if os.path.basename(argv0) == "agent" and os.path.isfile(argv0):
        return os.path.abspath(argv0)
    return shutil.which("agent")


def systemd_running(root: str) -> bool:
    """systemd is the init of this machine (and we install into it, not into a directory)."""
    return os.path.realpath(root) == "/" and os.path.isdir("/run/systemd/system")


def plan_install(config: AgentConfig, executable: str, root: str = "/") -> Plan:
    files = (
        _planned(root, CONFIG_PATH, render_config(config), 0o600),
        _planned(root, UNIT_PATH, render_unit(executable), 0o644),
    )
    commands: list[tuple[str, ...]] = []
    if systemd_running(root):
        config_file, unit_file = files
        if unit_file.action != "unchanged":
            commands.append(("systemctl", "daemon-reload"))
        if not _systemctl_ok("is-enabled", "--quiet") or not _systemctl_ok("is-active", "--quiet"):
            commands.append(("systemctl", "enable", "--now", UNIT_NAME))
        elif config_file.action != "unchanged" or unit_file.action != "unchanged":
            commands.append(("systemctl", "restart", UNIT_NAME))
    return Plan(root, files, tuple(commands))


def plan_uninstall(root: str = "/") -> Plan:
    present = tuple(PlannedFile(path, "", 0, "remove") for path in (UNIT_PATH, CONFIG_PATH)
                    if os.path.lexists(_on(root, path)))
    commands: list[tuple[str, ...]] = []
    if systemd_running(root) and present:
        commands = [("systemctl", "disable", "--now", UNIT_NAME), ("systemctl", "daemon-reload")]
    return Plan(root, present, tuple(commands))


def apply(plan: Plan, log: list[str]) -> None:
    """Carry the plan out, noting each step in ``log``; raises OSError or CalledProcessError."""
    for planned in plan.files:
        target = _on(plan.root, planned.path)
        if planned.action == "remove":
            os.unlink(target)
        elif planned.action != "unchanged":
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            _write(target, planned.content, planned.mode)
        log.append(f"{planned.action:9} {target}")
    for command in plan.commands:
        log.append("run       " + " ".join(command))
        subprocess.run(command, check=True, timeout=120)


def describe(plan: Plan) -> str:
    """The plan as ``--dry-run`` prints it: every file in full, then every command."""
    out = []
    for planned in plan.files:
        target = _on(plan.root, planned.path)
        if planned.action == "remove":
            out.append(f"would remove {target}")
            continue
        out.append(f"would {planned.action} {target} (mode {planned.mode:04o}):")
        out += ["    " + line for line in planned.content.splitlines()]
    out += ["would run " + " ".join(command) for command in plan.commands]
    if not plan.changes:
        out.append("nothing to change")
    return "\n".join(out) + "\n"


def _planned(root: str, path: str, content: str, mode: int) -> PlannedFile:
    target = _on(root, path)
    try:
        with open(target, encoding="utf-8") as file:
            same = file.read() == content and (os.stat(target).st_mode & 0o7777) == mode
        action = "unchanged" if same else "update"
    except FileNotFoundError:
        action = "create"
    return PlannedFile(path, content, mode, action)


def _write(target: str, content: str, mode: int) -> None:
    # Created with its final mode, so the token is never readable by others, not even briefly.
    temporary = target + ".new"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, content.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, target)


def _on(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _systemctl_ok(verb: str, *args: str) -> bool:
    done = subprocess.run(["systemctl", verb, *args, UNIT_NAME], capture_output=True,
                          timeout=60)
    return done.returncode == 0
