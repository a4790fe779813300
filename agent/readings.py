"""Reading the host into samples named and labelled as node_exporter does.

The figures come from ``system``: psutil, or anything with psutil's functions as called here.
It and the few other system calls the readers need are constructor parameters, so tests hand
in a fake, and the same code runs against the real host elsewhere.
"""

from __future__ import annotations

import os
import time
from collections import namedtuple
from collections.abc import Callable

from agent.log import Log

# For annotations only: the agent loads no typing module, and runs on Pythons (3.8) whose
# tuple cannot be subscripted.
TYPE_CHECKING = False
if TYPE_CHECKING:
    Sample = tuple[str, dict[str, str], float]
    """``(name, labels, value)``: the shape a sample has in a report."""
else:
    Sample = tuple

CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")

# Pseudo and in-memory filesystems say nothing about a disk filling up. Network filesystems are
# left out as well: statfs on a mount whose server has gone away blocks, and would stall every
# later reading with it.
IGNORED_FSTYPES = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "erofs", "fusectl", "fuse.lxcfs", "hugetlbfs", "iso9660", "mqueue",
    "nsfs", "overlay", "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs",
    "squashfs", "sysfs", "tmpfs", "tracefs",
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "ceph", "glusterfs", "9p",
})
IGNORED_MOUNT_PREFIXES = ("/dev/", "/proc/", "/sys/", "/run/credentials/",
                          "/var/lib/docker/", "/var/lib/containers/storage/")
# Loop devices, RAM disks and floppies are not where a server's I/O happens.
IGNORED_DISK_PREFIXES = ("loop", "ram", "zram", "fd")
# Loopback, and the host ends of container and bridge plumbing, whose traffic is already
# counted on the real interface it leaves by.
IGNORED_NIC_PREFIXES = ("veth", "docker", "br-", "virbr", "cni", "flannel", "cali", "ifb")


Reading = namedtuple("Reading", "timestamp boot_time samples")
"""``timestamp`` and ``boot_time`` in Unix seconds, ``samples`` a list of Sample."""


def read_uname() -> dict[str, str]:
    """The labels of node_uname_info; the NIS domain name as the kernel holds it."""
    name = os.uname()
    try:
        with open("/proc/sys/kernel/domainname", encoding="utf-8") as file:
            domain = file.read().strip()
    except OSError:
        domain = "(none)"
    return {"sysname": name.sysname, "release": name.release, "version": name.version,
            "machine": name.machine, "nodename": name.nodename, "domainname": domain}


def whole_disks(sys_block: str = "/sys/block") -> Callable[[], frozenset[str]]:
    """Names of whole disks: /sys/block lists disks, never their partitions."""
    def names() -> frozenset[str]:
        try:
            return frozenset(os.listdir(sys_block))
        except OSError:
            return frozenset()
    return names


class HostReader:
    """One ``read()`` gives every sample of the host at that moment."""

    def __init__(self, system: object = None, *, clock: Callable[[], float] = time.time,
                 statvfs: Callable[[str], object] = os.statvfs,
                 disks: Callable[[], frozenset[str]] | None = None,
                 uname: Callable[[], dict[str, str]] = read_uname,
                 log: Log | None = None) -> None:
        if system is None:
            import psutil

            system = psutil
        self._ps = system
        self._clock = clock
        self._statvfs = statvfs
        self._disks = disks or whole_disks()
        self._uname = uname
        self._log = log or Log()
        self._failing: set[str] = set()

    def read(self) -> Reading:
        samples: list[Sample] = []
        for group, reader in (("cpu", self._cpu), ("load", self._load),
                              ("memory", self._memory), ("filesystem", self._filesystems),
                              ("disk", self._disks_io), ("network", self._network),
                              ("uname", self._uname_info)):
            try:
                samples += reader()
            except (OSError, RuntimeError, ValueError) as err:
                # Logged once when the group starts failing, once when it recovers.
                if group not in self._failing:
                    self._failing.add(group)
                    self._log.warning(f"cannot read {group}: {err}")
                continue
            if group in self._failing:
                self._failing.discard(group)
                self._log.info(f"reading {group} works again")
        boot_time = float(self._ps.boot_time())
        now = self._clock()
        samples.append(("node_boot_time_seconds", {}, boot_time))
        samples.append(("node_time_seconds", {}, now))
        return Reading(now, boot_time, samples)

    def _cpu(self) -> list[Sample]:
        samples: list[Sample] = []
        for index, times in enumerate(self._ps.cpu_times(percpu=True)):
            cpu = str(index)
            for mode in CPU_MODES:
                value = getattr(times, mode, None)
                if value is not None:
                    samples.append(("node_cpu_seconds_total", {"cpu": cpu, "mode": mode},
                                    float(value)))
        return samples

    def _load(self) -> list[Sample]:
        one, five, fifteen = self._ps.getloadavg()
        return [("node_load1", {}, float(one)), ("node_load5", {}, float(five)),
                ("node_load15", {}, float(fifteen))]

    def _memory(self) -> list[Sample]:
        memory, swap = self._ps.virtual_memory(), self._ps.swap_memory()
        return [(f"node_memory_{field}_bytes", {}, float(value)) for field, value in (
            ("MemTotal", memory.total), ("MemAvailable", memory.available),
            ("MemFree", memory.free), ("Buffers", memory.buffers), ("Cached", memory.cached),
            ("SwapTotal", swap.total), ("SwapFree", swap.free))]

    def _filesystems(self) -> list[Sample]:
        samples: list[Sample] = []
        for device, fstype, mountpoint in real_filesystems(self._ps.disk_partitions(all=True)):
            try:
                st = self._statvfs(mountpoint)
            except OSError:
                continue  # unmounted since the list was read, or not ours to see
            labels = {"device": device, "fstype": fstype, "mountpoint": mountpoint}
            samples += [
                ("node_filesystem_size_bytes", labels, float(st.f_blocks * st.f_frsize)),
                ("node_filesystem_avail_bytes", labels, float(st.f_bavail * st.f_frsize)),
                ("node_filesystem_free_bytes", labels, float(st.f_bfree * st.f_frsize)),
                ("node_filesystem_files", labels, float(st.f_files)),
                ("node_filesystem_files_free", labels, float(st.f_ffree)),
            ]
        return samples

    def _disks_io(self) -> list[Sample]:
        disks = self._disks()
        samples: list[Sample] = []
        for name, io in sorted((self._ps.disk_io_counters(perdisk=True) or {}).items()):
            if name not in disks or name.startswith(IGNORED_DISK_PREFIXES):
                continue
            labels = {"device": name}
            samples += [
                ("node_disk_read_bytes_total", labels, float(io.read_bytes)),
                ("node_disk_written_bytes_total", labels, float(io.write_bytes)),
                ("node_disk_reads_completed_total", labels, float(io.read_count)),
                ("node_disk_writes_completed_total", labels, float(io.write_count)),
                ("node_disk_io_time_seconds_total", labels,
                 getattr(io, "busy_time", 0) / 1000.0),
            ]
        return samples

    def _network(self) -> list[Sample]:
        samples: list[Sample] = []
        for name, io in sorted(self._ps.net_io_counters(pernic=True).items()):
            if name == "lo" or name.startswith(IGNORED_NIC_PREFIXES):
                continue
            labels = {"device": name}
            samples += [(f"node_network_{stat}_total", labels, float(value)) for stat, value in (
                ("receive_bytes", io.bytes_recv), ("transmit_bytes", io.bytes_sent),
                ("receive_packets", io.packets_recv), ("transmit_packets", io.packets_sent),
                ("receive_errs", io.errin), ("transmit_errs", io.errout),
                ("receive_drop", io.dropin), ("transmit_drop", io.dropout))]
        return samples

    def _uname_info(self) -> list[Sample]:
        return [("node_uname_info", self._uname(), 1.0)]


def real_filesystems(partitions: object) -> list[tuple[str, str, str]]:
    """``(device, fstype, mountpoint)`` of each filesystem on real storage, once.

    A device mounted at several places (bind mounts, a sandbox's read-only views) is kept at
    its shortest mount point, so its space is not counted twice.
    """
    by_device: dict[str, tuple[str, str, str]] = {}
    for part in partitions:
        mountpoint = part.mountpoint
        if part.fstype in IGNORED_FSTYPES or (mountpoint + "/").startswith(
                IGNORED_MOUNT_PREFIXES):
            continue
        kept = by_device.get(part.device)
        if kept is None or len(mountpoint) < len(kept[2]):
            by_device[part.device] = (part.device, part.fstype, mountpoint)
    return sorted(by_device.values(), key=lambda fs: fs[2])
