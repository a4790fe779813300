"""The host's figures from /proc, read as psutil reads them, without psutil's memory.

Importing psutil costs the agent 1.7 MiB, mostly in modules that come with it whatever one
calls (subprocess, threading, datetime). ``Procfs`` has the eight psutil functions the
readers call, under their names, with the arguments the readers pass and the fields they
use, and gives psutil's values: the integration tests read the host both ways.

Counters are the kernel's, as node_exporter shows them. One that wraps (a 32-bit kernel's
byte counts, a disk's I/O time after 49 days) reads as a counter reset, which rate() handles
with the same arithmetic as psutil's ``nowrap``.
"""

from __future__ import annotations

import os
from collections import namedtuple

CpuTimes = namedtuple("CpuTimes", "user nice system idle iowait irq softirq steal guest "
                                  "guest_nice", defaults=(None, None, None))
"""Seconds per mode; a mode the kernel does not count yet is None."""
VirtualMemory = namedtuple("VirtualMemory", "total available free buffers cached")
SwapMemory = namedtuple("SwapMemory", "total free")
Partition = namedtuple("Partition", "device mountpoint fstype opts")
DiskIo = namedtuple("DiskIo", "read_count write_count read_bytes write_bytes busy_time")
NicIo = namedtuple("NicIo", "bytes_sent bytes_recv packets_sent packets_recv errin errout "
                            "dropin dropout")

# /proc/diskstats counts 512-byte sectors, whatever the disk's own sector size.
SECTOR = 512
# How the kernel writes a space, tab, newline or backslash in a mount table field.
_MOUNT_ESCAPES = (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\"))


class Procfs:
    """Reads ``proc`` (another directory in tests) at each call; keeps nothing between calls."""

    def __init__(self, proc: str = "/proc", dev: str = "/dev") -> None:
        self.proc = proc
        self.dev = dev
        """Where a root device found under another name must exist, as psutil checks."""
        self._ticks = os.sysconf("SC_CLK_TCK")

    def cpu_times(self, percpu: bool = True) -> list[CpuTimes]:
        """Per CPU, in /proc/stat's order; psutil's ``cpu_times(percpu=True)``."""
        _only(percpu, "percpu")
        cpus = []
        with open(f"{self.proc}/stat", "rb") as file:
            for line in file:
                if not line.startswith(b"cpu"):
                    break
                if line[3:4] != b" ":  # "cpu " sums all CPUs
                    ticks = line.split()[1:11]
                    cpus.append(CpuTimes(*[float(value) / self._ticks for value in ticks]))
        return cpus

    def getloadavg(self) -> tuple[float, float, float]:
        return os.getloadavg()

    def virtual_memory(self) -> VirtualMemory:
        """psutil's figures: ``cached`` is the page cache plus reclaimable slab, as free(1)
        shows it; ``available`` is the kernel's estimate, or psutil's own where the kernel
        gives none (before 3.14) or 0."""
        info = self._meminfo()
        total, free = info["MemTotal"], info["MemFree"]
        available = info.get("MemAvailable") or self._estimate_available(info)
        if available < 0:
            available = 0
        elif available > total:
            # Inside some containers the figures are the host's and mean nothing together.
            available = free
        cached = info.get("Cached", 0)
        if "Cached" in info:
            cached += info.get("SReclaimable", 0)
        return VirtualMemory(total, available, free, info.get("Buffers", 0), cached)

    def swap_memory(self) -> SwapMemory:
        info = self._meminfo()
        return SwapMemory(info["SwapTotal"], info["SwapFree"])

    def disk_partitions(self, all: bool = True) -> list[Partition]:
        """Every mount of this process's mount table; psutil's ``disk_partitions(all=True)``."""
        _only(all, "all")
        partitions = []
        with open(f"{self.proc}/self/mounts", "rb") as file:
            lines = os.fsdecode(file.read()).splitlines()
        for line in lines:
            # Single spaces part the fields: str.split() would also part them at a no-break
            # space or another Unicode space in a mount point, which the kernel leaves as is.
            device, mountpoint, fstype, opts = (_unescape(field)
                                                for field in line.split(" ")[:4])
            if device == "none":
                device = ""
            elif device in ("/dev/root", "rootfs"):
                device = self._root_device() or device
            partitions.append(Partition(device, mountpoint, fstype, opts))
        return partitions

    def disk_io_counters(self, perdisk: bool = True) -> dict[str, DiskIo]:
        """Per block device, partitions included; psutil's ``disk_io_counters(perdisk=True)``.
        ``busy_time`` in milliseconds."""
        _only(perdisk, "perdisk")
        disks = {}
        with open(f"{self.proc}/diskstats", "rb") as file:
            for line in file:
                fields = line.split()
                if len(fields) == 14 or len(fields) >= 18:
                    reads, sectors_read, writes, sectors_written, busy = (
                        int(fields[i]) for i in (3, 5, 7, 9, 12))
                elif len(fields) == 7:  # a partition, on kernels before 4.18
                    reads, sectors_read, writes, sectors_written = map(int, fields[3:7])
                    busy = 0
                else:
                    raise ValueError(f"/proc/diskstats: cannot read the line {line!r}")
                disks[os.fsdecode(fields[2])] = DiskIo(
                    reads, writes, sectors_read * SECTOR, sectors_written * SECTOR, busy)
        return disks

    def net_io_counters(self, pernic: bool = True) -> dict[str, NicIo]:
        """Per network interface; psutil's ``net_io_counters(pernic=True)``."""
        _only(pernic, "pernic")
        nics = {}
        with open(f"{self.proc}/net/dev", "rb") as file:
            for line in file.readlines()[2:]:
                name, _, counts = line.rpartition(b":")
                values = [int(value) for value in counts.split()]
                if not name or len(values) != 16:
                    raise ValueError(f"/proc/net/dev: cannot read the line {line!r}")
                nics[os.fsdecode(name.strip())] = NicIo(
                    values[8], values[0], values[9], values[1], values[2], values[10],
                    values[3], values[11])
        return nics

    def boot_time(self) -> float:
        with open(f"{self.proc}/stat", "rb") as file:
            for line in file:
                if line.startswith(b"btime"):
                    return float(line.split()[1])
        raise RuntimeError(f"no btime line in {self.proc}/stat")

    def _meminfo(self) -> dict[str, int]:
        with open(f"{self.proc}/meminfo", "rb") as file:
            lines = file.read().decode().splitlines()
        info = {}
        for line in lines:
            name, _, value = line.partition(":")
            info[name] = int(value.split()[0]) * 1024
        return info

    def _estimate_available(self, info: dict[str, int]) -> int:
        """The kernel's MemAvailable formula (commit 34e431b0ae39), as psutil applies it."""
        free = info["MemFree"]
        try:
            file_lru = info["Active(file)"] + info["Inactive(file)"]
            slab = info["SReclaimable"]
            with open(f"{self.proc}/zoneinfo", "rb") as file:
                low = sum(int(line.split()[1]) for line in file
                          if line.strip().startswith(b"low"))
        except (KeyError, OSError):
            return free + info.get("Cached", 0)
        low *= os.sysconf("SC_PAGE_SIZE")
        page_cache = file_lru - min(file_lru / 2, low)
        return int(free - low + page_cache + slab - min(slab / 2.0, low))

    def _root_device(self) -> str | None:
        """The real name of the device mounted at / when the table says /dev/root."""
        number = os.stat("/").st_dev
        wanted = (os.major(number), os.minor(number))
        try:
            with open(f"{self.proc}/partitions", "rb") as file:
                for line in file.readlines()[2:]:
                    fields = line.split()
                    if len(fields) >= 4 and fields[0].isdigit() and fields[1].isdigit() \
                            and (int(fields[0]), int(fields[1])) == wanted:
                        path = f"{self.dev}/{os.fsdecode(fields[3])}"
                        return path if os.path.exists(path) else None
        except OSError:
            pass
        return None


def _unescape(field: str) -> str:
    if "\\" in field:
        for escaped, char in _MOUNT_ESCAPES:
            field = field.replace(escaped, char)
    return field


def _only(flag: bool, name: str) -> None:
    # The readers always ask for the detail; the totals psutil can also give are not needed.
    if not flag:
        raise ValueError(f"{name}=False is not supported: the agent reads per device")
