"""A stand-in for the psutil module: fixed readings of an imagined server, calls recorded."""

from __future__ import annotations

from collections import namedtuple

CpuTimes = namedtuple("CpuTimes", "user nice system idle iowait irq softirq steal guest guest_nice")
Memory = namedtuple("Memory", "total available percent used free buffers cached")
Swap = namedtuple("Swap", "total used free percent sin sout")
Partition = namedtuple("Partition", "device mountpoint fstype opts")
DiskIo = namedtuple("DiskIo", "read_count write_count read_bytes write_bytes read_time "
                              "write_time busy_time")
NicIo = namedtuple("NicIo", "bytes_sent bytes_recv packets_sent packets_recv errin errout "
                            "dropin dropout")
StatVfs = namedtuple("StatVfs", "f_bsize f_frsize f_blocks f_bfree f_bavail f_files f_ffree")

BOOT_TIME = 1_790_000_000.0
PARTITIONS = [
    Partition("/dev/sda2", "/", "ext4", "rw"),
    Partition("/dev/sda2", "/srv/www", "ext4", "rw"),          # a bind mount of the same disk
    Partition("/dev/sdb1", "/home", "xfs", "rw"),
    Partition("tmpfs", "/run", "tmpfs", "rw"),
    Partition("overlay", "/var/lib/docker/overlay2/x/merged", "overlay", "rw"),
    Partition("/dev/loop3", "/snap/core/1", "squashfs", "ro"),
    Partition("server:/export", "/mnt/nfs", "nfs4", "rw"),
    Partition("proc", "/proc", "proc", "rw"),
]
STATVFS = {
    "/": StatVfs(4096, 4096, 1000, 400, 300, 5000, 4000),
    "/home": StatVfs(4096, 4096, 2000, 1500, 1500, 8000, 7000),
}
WHOLE_DISKS = frozenset({"sda", "sdb", "loop3", "zram0"})


class FakePsutil:
    """Two CPUs, one bound and one real extra disk, eth0 plus plumbing that must be skipped."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _record(self, name: str) -> None:
        self.calls.append(name)

    def cpu_times(self, percpu: bool = False):
        self._record(f"cpu_times(percpu={percpu})")
        return [CpuTimes(10.0, 1.0, 5.0, 100.0, 2.0, 0.5, 0.25, 0.0, 0.0, 0.0),
                CpuTimes(20.0, 0.0, 6.0, 90.0, 1.0, 0.0, 0.5, 0.125, 0.0, 0.0)]

    def getloadavg(self):
        self._record("getloadavg")
        return (0.5, 0.25, 0.125)

    def virtual_memory(self):
        self._record("virtual_memory")
        return Memory(8 * 2**30, 6 * 2**30, 25.0, 2 * 2**30, 4 * 2**30, 2**28, 2**30)

    def swap_memory(self):
        self._record("swap_memory")
        return Swap(2**30, 2**20, 2**30 - 2**20, 0.1, 0, 0)

    def disk_partitions(self, all: bool = False):  # psutil's own keyword
        self._record(f"disk_partitions(all={all})")
        return list(PARTITIONS)

    def disk_io_counters(self, perdisk: bool = False):
        self._record(f"disk_io_counters(perdisk={perdisk})")
        return {"sda": DiskIo(100, 200, 4096, 8192, 0, 0, 1500),
                "sda1": DiskIo(50, 100, 2048, 4096, 0, 0, 700),
                "sdb": DiskIo(1, 2, 512, 1024, 0, 0, 10),
                "loop3": DiskIo(9, 0, 900, 0, 0, 0, 5),
                "zram0": DiskIo(9, 9, 9, 9, 0, 0, 9)}

    def net_io_counters(self, pernic: bool = False):
        self._record(f"net_io_counters(pernic={pernic})")
        return {"lo": NicIo(1, 1, 1, 1, 0, 0, 0, 0),
                "eth0": NicIo(1000, 2000, 10, 20, 1, 2, 3, 4),
                "veth12ab": NicIo(5, 5, 5, 5, 0, 0, 0, 0),
                "docker0": NicIo(5, 5, 5, 5, 0, 0, 0, 0)}

    def boot_time(self):
        self._record("boot_time")
        return BOOT_TIME


def fake_statvfs(path: str) -> StatVfs:
    if path not in STATVFS:
        raise FileNotFoundError(2, "No such file or directory", path)
    return STATVFS[path]


UNAME = {"sysname": "Linux", "release": "6.1.0-test", "version": "#1 SMP", "machine": "x86_64",
         "nodename": "web-bappeda", "domainname": "(none)"}


def fake_reader_kwargs() -> dict:
    """Keyword arguments that make a HostReader read only the fakes."""
    return {"system": FakePsutil(), "clock": lambda: 1_790_000_100.0, "statvfs": fake_statvfs,
            "disks": lambda: WHOLE_DISKS, "uname": lambda: dict(UNAME)}

