"""The /proc reader on written /proc files: psutil's figures from each kernel's formats."""

import os

import pytest

from agent.procfs import CpuTimes, DiskIo, NicIo, Partition, Procfs

pytestmark = pytest.mark.unit

TICKS = os.sysconf("SC_CLK_TCK")
STAT = (
    "cpu  300 0 60 9000 10 0 5 2 0 0\n"
    "cpu0 100 0 20 3000 4 0 2 1 0 0\n"
    "cpu1 200 0 40 6000 6 0 3 1 0 0\n"
    "intr 12345 0 0\n"
    "ctxt 99\n"
    "btime 1790000000\n"
)
MEMINFO = (
    "MemTotal:        8000000 kB\n"
    "MemFree:         1000000 kB\n"
    "MemAvailable:    5000000 kB\n"
    "Buffers:          200000 kB\n"
    "Cached:          3000000 kB\n"
    "SwapTotal:       2000000 kB\n"
    "SwapFree:        1500000 kB\n"
    "Active(file):    1200000 kB\n"
    "Inactive(file):  1600000 kB\n"
    "SReclaimable:     400000 kB\n"
    "HugePages_Total:       0\n"
)
DISKSTATS = (
    # Since 5.5: 20 fields (discards, flushes).
    "   8       0 sda 100 5 800 50 200 7 1600 90 0 1500 140 0 0 0 0 10 2\n"
    # 4.18 to 5.4: 18 fields.
    "   8      16 sdb 1 0 8 1 2 0 16 1 0 10 2 0 0 0 0\n"
    # Before 4.18: 14 fields.
    " 253       0 dm-0 3 0 24 1 4 0 32 1 0 20 2\n"
    # A partition before 2.6.25: 7 fields, no busy time.
    "   8       1 sda1 50 400 60 480\n"
)
NET_DEV = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo:     100       1    0    0    0     0          0         0      100       1    0 "
    "   0    0     0       0          0\n"
    "  eth0:99999999999 2000 3 4 0 0 0 0 1000 10 5 6 0 0 0 0\n"
)
MOUNTS = (
    "/dev/sda2 / ext4 rw,relatime 0 0\n"
    "/dev/sdb1 /srv/my\\040files ext4 rw 0 0\n"
    "server:/x /mnt/tab\\011and\\134back nfs4 rw 0 0\n"
    "none /sys/fs/bpf bpf rw 0 0\n"
    "/dev/sdc1 /mnt/caf\u00e9\u00a0bar ext4 rw 0 0\n"
)


def proc(tmp_path, **files: str) -> Procfs:
    """A /proc of ``files`` (``net_dev`` for net/dev, ``self_mounts`` for self/mounts)."""
    defaults = {"stat": STAT, "meminfo": MEMINFO, "diskstats": DISKSTATS, "net_dev": NET_DEV,
                "self_mounts": MOUNTS}
    for name, text in {**defaults, **files}.items():
        path = tmp_path / "proc" / name.replace("_", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Procfs(str(tmp_path / "proc"), dev=str(tmp_path / "dev"))


def test_cpu_times_per_cpu_in_seconds(tmp_path):
    cpus = proc(tmp_path).cpu_times(percpu=True)
    assert cpus == [CpuTimes(*(v / TICKS for v in (100, 0, 20, 3000, 4, 0, 2, 1, 0, 0))),
                    CpuTimes(*(v / TICKS for v in (200, 0, 40, 6000, 6, 0, 3, 1, 0, 0)))]


def test_a_kernel_without_steal_and_guest_times_leaves_them_none(tmp_path):
    [cpu] = proc(tmp_path, stat="cpu  1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7\nbtime 5\n").cpu_times()
    assert (cpu.softirq, cpu.steal, cpu.guest, cpu.guest_nice) == (7 / TICKS, None, None, None)


def test_boot_time_and_its_absence(tmp_path):
    assert proc(tmp_path).boot_time() == 1_790_000_000.0
    with pytest.raises(RuntimeError, match="no btime line"):
        proc(tmp_path, stat="cpu  1 2 3 4 5 6 7 8 9 10\n").boot_time()


def test_memory_as_free_shows_it(tmp_path):
    reader = proc(tmp_path)
    memory = reader.virtual_memory()
    assert memory.total == 8_000_000 * 1024
    assert memory.available == 5_000_000 * 1024
    assert (memory.free, memory.buffers) == (1_000_000 * 1024, 200_000 * 1024)
    assert memory.cached == (3_000_000 + 400_000) * 1024  # page cache plus reclaimable slab
    assert tuple(reader.swap_memory()) == (2_000_000 * 1024, 1_500_000 * 1024)


ZONEINFO = ("Node 0, zone   Normal\n  pages free     1000\n        min      100\n"
            "        low      125\n")


@pytest.mark.parametrize("available", ["", "MemAvailable:          0 kB\n"])
def test_without_the_kernels_estimate_available_memory_is_psutils(tmp_path, available):
    meminfo = MEMINFO.replace("MemAvailable:    5000000 kB\n", available)
    memory = proc(tmp_path, meminfo=meminfo, zoneinfo=ZONEINFO).virtual_memory()
    low = 125 * os.sysconf("SC_PAGE_SIZE")
    free, file_lru, slab = 1_000_000 * 1024, 2_800_000 * 1024, 400_000 * 1024
    assert memory.available == int(free - low + file_lru - min(file_lru / 2, low)
                                   + slab - min(slab / 2, low))


def test_available_memory_past_the_total_is_a_containers_and_reads_as_free(tmp_path):
    meminfo = MEMINFO.replace("MemAvailable:    5000000", "MemAvailable:    9000000")
    assert proc(tmp_path, meminfo=meminfo).virtual_memory().available == 1_000_000 * 1024


def test_mounts_decode_the_kernels_escapes(tmp_path):
    assert proc(tmp_path).disk_partitions(all=True) == [
        Partition("/dev/sda2", "/", "ext4", "rw,relatime"),
        Partition("/dev/sdb1", "/srv/my files", "ext4", "rw"),
        Partition("server:/x", "/mnt/tab\tand\\back", "nfs4", "rw"),
        Partition("", "/sys/fs/bpf", "bpf", "rw"),
        Partition("/dev/sdc1", "/mnt/caf\u00e9\u00a0bar", "ext4", "rw"),
    ]


def test_dev_root_is_named_by_its_device_numbers_when_that_device_exists(tmp_path):
    root = os.stat("/").st_dev
    partitions = (f"major minor  #blocks  name\n\n {os.major(root)} {os.minor(root)} 100 "
                  "mmcblk0p2\n")
    reader = proc(tmp_path, self_mounts="/dev/root / ext4 rw 0 0\n", partitions=partitions)
    assert reader.disk_partitions()[0].device == "/dev/root"  # not in this /dev
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "mmcblk0p2").touch()
    assert reader.disk_partitions()[0].device == str(tmp_path / "dev" / "mmcblk0p2")


def test_disk_io_of_every_kernels_format(tmp_path):
    assert proc(tmp_path).disk_io_counters(perdisk=True) == {
        "sda": DiskIo(100, 200, 800 * 512, 1600 * 512, 1500),
        "sdb": DiskIo(1, 2, 8 * 512, 16 * 512, 10),
        "dm-0": DiskIo(3, 4, 24 * 512, 32 * 512, 20),
        "sda1": DiskIo(50, 60, 400 * 512, 480 * 512, 0),
    }


def test_network_io_per_interface(tmp_path):
    nics = proc(tmp_path).net_io_counters(pernic=True)
    assert nics["eth0"] == NicIo(bytes_sent=1000, bytes_recv=99999999999, packets_sent=10,
                                 packets_recv=2000, errin=3, errout=5, dropin=4, dropout=6)
    assert set(nics) == {"lo", "eth0"}


@pytest.mark.parametrize(("files", "call", "message"), [
    ({"diskstats": "8 0 sda 1 2 3\n"}, "disk_io_counters", "/proc/diskstats: cannot read"),
    ({"net_dev": "a\nb\n  eth0: 1 2 3\n"}, "net_io_counters", "/proc/net/dev: cannot read"),
])
def test_a_line_of_an_unknown_format_is_an_error_not_a_guess(tmp_path, files, call, message):
    with pytest.raises(ValueError, match=message):
        getattr(proc(tmp_path, **files), call)()


def test_totals_are_refused_rather_than_given_per_device(tmp_path):
    with pytest.raises(ValueError, match="percpu=False is not supported"):
        proc(tmp_path).cpu_times(percpu=False)
