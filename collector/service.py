"""`collector install` and `collector uninstall`: the collector as a hardened systemd service.

It runs as its own system user `pantau` (declared in a sysusers.d file, created by
systemd-sysusers), with `data_dir` as its state directory, no capability unless its pings
need one (`CAP_NET_RAW` only where unprivileged ping sockets are not allowed to it; the
kernel says so in /proc/sys/net/ipv4/ping_group_range), 65,536 open files, and the rest of the
system read-only or hidden. `systemctl reload` sends it SIGHUP: it reads its config again.
The plan (files, then systemctl commands) is `pantau_units`', as for `agent install`.
"""

from __future__ import annotations

import grp
import os
import shutil
import sys
from pathlib import Path

from collector.config import CollectorConfig, SocketMode
from collector.connections import FILE_LIMIT
from pantau_units import (
    SANDBOX,
    Plan,
    planned,
    removal,
    start_commands,
    systemctl_ok,
    systemd_running,
)

UNIT_NAME = "pantau-collector.service"
UNIT_PATH = f"/etc/systemd/system/{UNIT_NAME}"
SYSUSERS_PATH = "/etc/sysusers.d/pantau.conf"
USER = "pantau"
STATE_DIRECTORY = Path("/var/lib/pantau")
PING_GROUP_RANGE = "/proc/sys/net/ipv4/ping_group_range"

SYSUSERS = f"""\
# Written by `collector install`: the collector's own system user.
u {USER} - "Pantau collector" {STATE_DIRECTORY} /usr/sbin/nologin
"""

UNIT_TEMPLATE = """\
# Written by `collector install`; `collector uninstall` removes it.
[Unit]
Description=Pantau collector: watches the links, servers and services, and tells people
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
User={user}
Group={user}
ExecStart={executable} run --config {config}
ExecReload=/bin/kill -HUP $MAINPID
StateDirectory=pantau
StateDirectoryMode=0750
{data_dir}Restart=on-failure
RestartSec=5s
LimitNOFILE={files}
UMask=0077

# {icmp}
CapabilityBoundingSet={capabilities}
AmbientCapabilities={capabilities}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProcSubset=pid
{private_users}{sandbox}"""


def collector_executable(argv0: str | None = None) -> str | None:
    """The installed ``collector`` command: this process's own, else the one on PATH."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if os.path.basename(argv0) == "collector" and os.path.isfile(argv0):
        return os.path.abspath(argv0)
    return shutil.which("collector")


HIDDEN = ("/home", "/root", "/run/user")
"""What the unit hides from the service (ProtectHome=yes)."""


def hidden_paths(*paths: Path | str) -> list[str]:
    """Those of ``paths`` the service could not reach: under /home, /root or /run/user."""
    found = []
    for path in paths:
        resolved = os.path.realpath(path)
        if any(resolved == top or resolved.startswith(top + "/") for top in HIDDEN):
            found.append(str(path))
    return found


def ping_sockets_allowed(range_path: str = PING_GROUP_RANGE, user: str = USER) -> bool:
    """Whether the kernel lets ``user``'s group open unprivileged ICMP sockets: its group id
    (every group, while the user does not exist yet) within ping_group_range."""
    try:
        low, high = (int(x) for x in Path(range_path).read_text().split())
    except (OSError, ValueError):
        return False
    try:
        gids = [grp.getgrnam(user).gr_gid]
    except KeyError:
        gids = [0, 2**31 - 2]  # not created yet: any group it may get
    return all(low <= gid <= high for gid in gids)


def render_unit(config: CollectorConfig, config_path: Path, executable: str,
                ping_allowed: bool) -> str:
    capabilities = []
    if config.icmp.socket is SocketMode.RAW or (
            config.icmp.socket is SocketMode.AUTO and not ping_allowed):
        capabilities.append("CAP_NET_RAW")
        icmp = ("Raw ICMP sockets: this kernel lets the collector's group no unprivileged "
                "ping socket (net.ipv4.ping_group_range)" if config.icmp.socket is not
                SocketMode.RAW else "Raw ICMP sockets, as icmp.socket asks")
    else:
        icmp = "Unprivileged ICMP (ping) sockets: no capability needed"
    if config.collector.listen_port < 1024:
        capabilities.append("CAP_NET_BIND_SERVICE")
    data_dir = config.collector.data_dir
    extra = "" if data_dir.resolve() == STATE_DIRECTORY else f"ReadWritePaths={data_dir}\n"
    return UNIT_TEMPLATE.format(
        user=USER, executable=executable, config=config_path, data_dir=extra,
        files=FILE_LIMIT, icmp=icmp, capabilities=" ".join(capabilities),
        # A capability in a user namespace of its own is none on the host's network.
        private_users="" if capabilities else "PrivateUsers=yes\n", sandbox=SANDBOX)


def plan_install(config: CollectorConfig, config_path: Path, executable: str,
                 root: str = "/", ping_allowed: bool | None = None) -> Plan:
    if ping_allowed is None:
        ping_allowed = ping_sockets_allowed()
    files = (
        planned(root, SYSUSERS_PATH, SYSUSERS, 0o644),
        planned(root, UNIT_PATH, render_unit(config, config_path.resolve(), executable,
                                             ping_allowed), 0o644),
    )
    commands: list[tuple[str, ...]] = []
    if systemd_running(root):
        sysusers = files[0]
        if sysusers.action != "unchanged" or not _user_exists():
            commands.append(("systemd-sysusers", SYSUSERS_PATH))
        commands += start_commands(UNIT_NAME, files, files[1])
    return Plan(root, files, tuple(commands))


def plan_uninstall(root: str = "/") -> Plan:
    """The unit goes; the user, its data directory and the config stay (the outage log is
    the province's record)."""
    present = removal(root, (UNIT_PATH,))
    commands: list[tuple[str, ...]] = []
    if systemd_running(root) and present:
        if systemctl_ok("is-enabled", UNIT_NAME, "--quiet") or \
                systemctl_ok("is-active", UNIT_NAME, "--quiet"):
            commands.append(("systemctl", "disable", "--now", UNIT_NAME))
        commands.append(("systemctl", "daemon-reload"))
    return Plan(root, present, tuple(commands))


def _user_exists() -> bool:
    try:
        grp.getgrnam(USER)
    except KeyError:
        return False
    return True


def readable_by_service(path: Path) -> bool:
    """Whether the service's user can read ``path`` (by its mode, owner and group)."""
    try:
        status = path.stat()
    except OSError:
        return False
    if status.st_mode & 0o004:
        return True
    try:
        gid = grp.getgrnam(USER).gr_gid
    except KeyError:
        return False
    return bool(status.st_mode & 0o040) and status.st_gid == gid
