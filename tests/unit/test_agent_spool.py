"""The spool and the agent's state file: order, bounds, crash leftovers, sequence numbers."""

import gzip
import os

import pytest

from agent.spool import Spool
from agent.state import AgentState

pytestmark = pytest.mark.unit


def report(text: str) -> bytes:
    """A report as the agent keeps it: a gzip stream (mtime fixed, so sizes are fixed)."""
    return gzip.compress(text.encode(), mtime=0)


def spool_in(tmp_path, max_reports=100, max_bytes=10**6):
    spool = Spool(str(tmp_path / "spool"), max_reports, max_bytes)
    spool.open()
    return spool


def test_reports_come_back_oldest_first_and_survive_a_restart(tmp_path):
    spool = spool_in(tmp_path)
    for seq in (7, 8, 9):
        assert spool.append(seq, report(f"report {seq}")) == 0
    assert (len(spool), spool.last_seq) == (3, 9)
    assert spool.oldest() == (7, report("report 7"))
    spool.remove(7)
    again = spool_in(tmp_path)
    assert (len(again), again.bytes) == (2, 2 * len(report("report 8")))
    assert again.oldest() == (8, report("report 8"))
    assert oct(os.stat(again.directory).st_mode & 0o777) == "0o700"


def test_only_the_oldest_can_be_removed(tmp_path):
    spool = spool_in(tmp_path)
    spool.append(1, b"a")
    spool.append(2, b"b")
    with pytest.raises(ValueError, match="report 2 is not the oldest"):
        spool.remove(2)


@pytest.mark.parametrize(("max_reports", "max_bytes", "kept"), [
    (3, 10**6, [3, 4, 5]),      # bounded by count
    (100, 65, [4, 5]),          # bounded by bytes: each report is 30 bytes
    (1, 1, [5]),                # the newest report is always kept
])
def test_when_full_the_oldest_go_first_and_are_counted(tmp_path, max_reports, max_bytes, kept):
    spool = spool_in(tmp_path, max_reports, max_bytes)
    assert len(report("0123456789")) == 30
    dropped = sum(spool.append(seq, report("0123456789")) for seq in range(1, 6))
    assert dropped == 5 - len(kept)
    remaining = []
    while (oldest := spool.oldest()) is not None:
        remaining.append(oldest[0])
        spool.remove(oldest[0])
    assert remaining == kept


def test_a_write_cut_short_by_a_crash_is_removed(tmp_path):
    spool = spool_in(tmp_path)
    spool.append(1, b"whole")
    leftover = tmp_path / "spool" / "00000000000000000002.report.tmp"
    leftover.write_bytes(b"hal")
    again = spool_in(tmp_path)
    assert len(again) == 1 and not leftover.exists()


def test_a_report_removed_by_hand_is_skipped(tmp_path):
    spool = spool_in(tmp_path)
    spool.append(1, report("a"))
    spool.append(2, report("b"))
    os.unlink(tmp_path / "spool" / "00000000000000000001.report")
    assert spool.oldest() == (2, report("b"))


@pytest.mark.parametrize("damage", ["garbage", "cut short", "unreadable", "empty"])
def test_a_damaged_report_at_the_head_is_set_aside_and_the_next_comes(tmp_path, damage):
    spool = spool_in(tmp_path)
    for seq in (1, 2, 3):
        spool.append(seq, report(f"report {seq}"))
    head = tmp_path / "spool" / "00000000000000000001.report"
    if damage == "garbage":
        head.write_bytes(b"\x00" * 300)
    elif damage == "cut short":
        head.write_bytes(report("report 1" * 50)[:-9])
    elif damage == "unreadable":
        head.unlink()
        head.mkdir()  # reading it fails (EISDIR), as an unreadable file would
    else:
        head.write_bytes(b"")
    assert spool.oldest() == (2, report("report 2"))
    assert spool.quarantined == 1 and len(spool) == 2
    if damage != "unreadable":
        assert (tmp_path / "spool" / "quarantine" / head.name).exists()


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_sequence_numbers_continue_across_restarts(tmp_path):
    clock = Clock(1_800_000_000.0)
    state = AgentState(str(tmp_path), clock)
    state.load(boot_time=1_700_000_000.0, spool_last_seq=None)
    first = state.take_seq()
    assert first == 1_800_000_000_000  # no file yet: the clock in milliseconds
    assert state.take_seq() == first + 1
    again = AgentState(str(tmp_path), clock)
    again.load(boot_time=1_700_000_001.0, spool_last_seq=None)
    assert again.take_seq() == first + 2


def test_the_spool_wins_over_an_older_state_file(tmp_path):
    clock = Clock(1_800_000_000.0)
    state = AgentState(str(tmp_path), clock)
    state.load(boot_time=5.0, spool_last_seq=None)
    state.take_seq()
    state = AgentState(str(tmp_path), clock)
    state.load(boot_time=5.0, spool_last_seq=1_800_000_000_500)
    assert state.take_seq() == 1_800_000_000_501


def test_after_a_reboot_numbering_jumps_past_anything_a_lost_write_could_hide(tmp_path):
    clock = Clock(1_800_000_000.0)
    state = AgentState(str(tmp_path), clock)
    state.load(boot_time=5.0, spool_last_seq=None)
    state.take_seq()
    clock.now += 3600
    rebooted = AgentState(str(tmp_path), clock)
    rebooted.load(boot_time=1_800_003_000.0, spool_last_seq=None)
    assert rebooted.take_seq() == 1_800_003_600_000


def test_counts_and_last_push_are_kept(tmp_path):
    clock = Clock(1_800_000_000.0)
    state = AgentState(str(tmp_path), clock)
    state.load(boot_time=5.0, spool_last_seq=None)
    state.dropped, state.rejected = 3, 1
    state.record_push("unreachable", "Connection refused", delivered=False)
    state.save()
    again = AgentState(str(tmp_path), clock)
    again.load(boot_time=5.0, spool_last_seq=None)
    assert (again.dropped, again.rejected, again.last_delivery_at) == (3, 1, None)
    assert again.last_push == {"at": 1_800_000_000.0, "outcome": "unreachable",
                               "detail": "Connection refused"}
