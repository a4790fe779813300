"""``agent install`` and ``agent uninstall``: the config file, the systemd unit, systemctl.

Installing is a plan first: each file with its content and mode, marked create, update or
unchanged, then the systemctl commands the changes call for. ``--dry-run`` prints the plan;
otherwise it is carried out. A second install with the same arguments finds nothing to do.
"""

from __future__ import annotations

import os
import shutil
import sys

from agent.config import DEFAULT_PATH, AgentConfig
from pantau_units import (
    SANDBOX,
    Plan,
    apply,
    planned,
    removal,
    start_commands,
    systemd_running,
)
from pantau_units import describe as describe_plan

__all__ = ["BUNDLE_PATH", "CONFIG_PATH", "UNIT_NAME", "UNIT_PATH", "Plan", "agent_executable",
           "apply", "bundle_archive", "describe", "plan_install", "plan_uninstall",
           "render_config", "render_unit", "systemd_running"]

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
{cache}Restart=on-failure
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
{sandbox}"""


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


BUNDLE_PATH = "/opt/pantau-agent/pantau-agent.pyz"
"""Where an agent run from its bundle (`agent bundle`) is installed."""
# The bundle unpacks psutil's compiled part once, into the cache systemd gives the service.
BUNDLE_CACHE = "CacheDirectory=pantau-agent\nCacheDirectoryMode=0700\n"


def render_unit(executable: str, config_path: str = CONFIG_PATH, bundle: bool = False) -> str:
    return UNIT_TEMPLATE.format(executable=executable, credential=CREDENTIAL,
                                config_path=config_path, cache=BUNDLE_CACHE if bundle else "",
                                sandbox=SANDBOX)


def bundle_archive() -> str | None:
    """The bundle this agent runs from, if it runs from one."""
    import zipfile

    import agent

    archive = os.path.dirname(os.path.dirname(os.path.abspath(agent.__file__)))
    return archive if os.path.isfile(archive) and zipfile.is_zipfile(archive) else None


def agent_executable(argv0: str | None = None) -> str | None:
    """The installed ``agent`` command: the bundle's, run by this Python (isolated); this
    process's own command; else the one on PATH."""
    if bundle_archive() is not None:
        return f"{sys.executable} -I {BUNDLE_PATH}"
    argv0 = sys.argv[0] if argv0 is None else argv0
    if os.path.basename(argv0) == "agent" and os.path.isfile(argv0):
        return os.path.abspath(argv0)
    return shutil.which("agent")


def plan_install(config: AgentConfig, executable: str, root: str = "/") -> Plan:
    bundle = bundle_archive()
    files = (
        planned(root, CONFIG_PATH, render_config(config), 0o600),
        planned(root, UNIT_PATH, render_unit(executable, bundle=bundle is not None), 0o644),
    )
    if bundle is not None:
        with open(bundle, "rb") as file:
            files += (planned(root, BUNDLE_PATH, file.read(), 0o755),)
    commands = start_commands(UNIT_NAME, files, files[1]) if systemd_running(root) else []
    return Plan(root, files, tuple(commands))


def plan_uninstall(root: str = "/") -> Plan:
    present = removal(root, (UNIT_PATH, CONFIG_PATH, BUNDLE_PATH))
    commands: list[tuple[str, ...]] = []
    if systemd_running(root) and present:
        commands = [("systemctl", "disable", "--now", UNIT_NAME), ("systemctl", "daemon-reload")]
    return Plan(root, present, tuple(commands))


def describe(plan: Plan) -> str:
    """The plan as ``--dry-run`` prints it; the token is the agent's password: shown as
    written nowhere, not even here."""
    return describe_plan(plan, secret_keys=("token",))
