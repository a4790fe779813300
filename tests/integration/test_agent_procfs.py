"""The agent's /proc reader against psutil on this host: the same figures, sample by sample."""

import psutil
import pytest

from agent.procfs import Procfs
from agent.readings import HostReader

pytestmark = pytest.mark.integration

# Memory figures move between two reads; counters only grow.
MEMORY_SLACK = 64 * 2**20


def between(before, value, after, slack=0.0) -> bool:
    return min(before, after) - slack <= value <= max(before, after) + slack


def test_every_figure_is_psutils():
    ours = Procfs()
    before = {
        "cpu": psutil.cpu_times(percpu=True), "memory": psutil.virtual_memory(),
        "disks": psutil.disk_io_counters(perdisk=True),
        "nics": psutil.net_io_counters(pernic=True)}
    cpu, memory = ours.cpu_times(percpu=True), ours.virtual_memory()
    disks, nics = ours.disk_io_counters(perdisk=True), ours.net_io_counters(pernic=True)
    after = {
        "cpu": psutil.cpu_times(percpu=True), "memory": psutil.virtual_memory(),
        "disks": psutil.disk_io_counters(perdisk=True),
        "nics": psutil.net_io_counters(pernic=True)}

    assert len(cpu) == len(before["cpu"])
    for index, times in enumerate(cpu):
        for mode in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"):
            assert between(getattr(before["cpu"][index], mode), getattr(times, mode),
                           getattr(after["cpu"][index], mode)), (index, mode)
    assert memory.total == before["memory"].total
    for field in ("available", "free", "buffers", "cached"):
        assert between(getattr(before["memory"], field), getattr(memory, field),
                       getattr(after["memory"], field), MEMORY_SLACK), field
    assert tuple(ours.swap_memory()) == (psutil.swap_memory().total, psutil.swap_memory().free)
    assert ours.boot_time() == psutil.boot_time()
    assert ours.getloadavg() == pytest.approx(psutil.getloadavg(), abs=0.5)
    assert [tuple(p) for p in ours.disk_partitions(all=True)] == [
        tuple(p) for p in psutil.disk_partitions(all=True)]
    assert set(disks) == set(before["disks"])
    for name, io in disks.items():
        for field in io._fields:
            assert between(getattr(before["disks"][name], field), getattr(io, field),
                           getattr(after["disks"][name], field)), (name, field)
    assert set(nics) == set(before["nics"])
    for name, io in nics.items():
        for field in io._fields:
            assert between(getattr(before["nics"][name], field), getattr(io, field),
                           getattr(after["nics"][name], field)), (name, field)


def test_a_reading_through_proc_has_the_samples_of_a_reading_through_psutil():
    def labelled(reader: HostReader) -> set[tuple]:
        return {(name, tuple(sorted(labels.items()))) for name, labels, _ in reader.read().samples}

    assert labelled(HostReader(Procfs())) == labelled(HostReader(psutil))
