"""The agent's readers on a fake psutil: node_exporter's names and labels, real devices only."""

import io

import pytest

from agent.log import Log
from agent.readings import HostReader, real_filesystems
from pantau_wire.agent_report import FAMILY_BY_NAME
from tests.support.fake_psutil import BOOT_TIME, PARTITIONS, FakePsutil, fake_reader_kwargs

pytestmark = pytest.mark.unit


def read(**overrides):
    kwargs = {**fake_reader_kwargs(), **overrides}
    return HostReader(**kwargs).read(), kwargs["system"]


def series(samples, name):
    return {tuple(sorted(labels.items())): value for n, labels, value in samples if n == name}


def test_every_sample_is_a_known_family_with_exactly_its_labels():
    reading, _ = read()
    for name, labels, value in reading.samples:
        assert set(labels) == set(FAMILY_BY_NAME[name].labels), name
        assert isinstance(value, float)
    assert {name for name, _, _ in reading.samples} == set(FAMILY_BY_NAME)


def test_cpu_comes_from_cpu_times_per_cpu_and_mode():
    reading, fake = read()
    cpu = series(reading.samples, "node_cpu_seconds_total")
    assert len(cpu) == 2 * 8
    assert cpu[(("cpu", "0"), ("mode", "user"))] == 10.0
    assert cpu[(("cpu", "1"), ("mode", "steal"))] == 0.125
    assert "cpu_times(percpu=True)" in fake.calls
    assert not any(call.startswith("cpu_percent") for call in fake.calls)


@pytest.mark.parametrize(("name", "value"), [
    ("node_load1", 0.5), ("node_load5", 0.25), ("node_load15", 0.125),
    ("node_memory_MemTotal_bytes", 8 * 2**30), ("node_memory_MemAvailable_bytes", 6 * 2**30),
    ("node_memory_MemFree_bytes", 4 * 2**30), ("node_memory_Buffers_bytes", 2**28),
    ("node_memory_Cached_bytes", 2**30), ("node_memory_SwapTotal_bytes", 2**30),
    ("node_memory_SwapFree_bytes", 2**30 - 2**20), ("node_boot_time_seconds", BOOT_TIME),
    ("node_time_seconds", 1_790_000_100.0),
])
def test_single_values(name, value):
    reading, _ = read()
    assert series(reading.samples, name) == {(): value}


def test_filesystems_on_real_storage_once_each():
    reading, fake = read()
    size = series(reading.samples, "node_filesystem_size_bytes")
    assert size == {
        (("device", "/dev/sda2"), ("fstype", "ext4"), ("mountpoint", "/")): 1000 * 4096,
        (("device", "/dev/sdb1"), ("fstype", "xfs"), ("mountpoint", "/home")): 2000 * 4096,
    }
    root = (("device", "/dev/sda2"), ("fstype", "ext4"), ("mountpoint", "/"))
    assert series(reading.samples, "node_filesystem_avail_bytes")[root] == 300 * 4096
    assert series(reading.samples, "node_filesystem_free_bytes")[root] == 400 * 4096
    assert series(reading.samples, "node_filesystem_files")[root] == 5000
    assert series(reading.samples, "node_filesystem_files_free")[root] == 4000
    assert "disk_partitions(all=True)" in fake.calls


def test_a_bind_mount_keeps_the_shortest_mount_point():
    assert [fs[2] for fs in real_filesystems(PARTITIONS)] == ["/", "/home"]
    assert [fs[2] for fs in real_filesystems(list(reversed(PARTITIONS)))] == ["/", "/home"]


def test_disks_are_whole_disks_without_loop_or_zram():
    reading, _ = read()
    read_bytes = series(reading.samples, "node_disk_read_bytes_total")
    assert read_bytes == {(("device", "sda"),): 4096.0, (("device", "sdb"),): 512.0}
    io_time = series(reading.samples, "node_disk_io_time_seconds_total")
    assert io_time[(("device", "sda"),)] == 1.5


def test_network_skips_loopback_and_container_plumbing():
    reading, _ = read()
    received = series(reading.samples, "node_network_receive_bytes_total")
    assert received == {(("device", "eth0"),): 2000.0}
    assert series(reading.samples, "node_network_transmit_drop_total") == {
        (("device", "eth0"),): 4.0}


def test_a_failing_group_is_left_out_and_logged_once_per_change():
    class BrokenNet(FakePsutil):
        broken = True

        def net_io_counters(self, pernic=False):
            if self.broken:
                raise OSError(5, "Input/output error")
            return super().net_io_counters(pernic)

    stream = io.StringIO()
    fake = BrokenNet()
    reader = HostReader(**{**fake_reader_kwargs(), "system": fake},
                        log=Log(stream=stream, journal=False))
    for _ in range(3):
        reading = reader.read()
        assert not series(reading.samples, "node_network_receive_bytes_total")
        assert series(reading.samples, "node_load1")
    fake.broken = False
    assert series(reader.read().samples, "node_network_receive_bytes_total")
    assert stream.getvalue().splitlines() == [
        "warning: cannot read network: [Errno 5] Input/output error",
        "info: reading network works again",
    ]
