"""The monitoring ledger with a fake clock and a real SQLite file: spans of judged time, gaps
where rounds came late or said nothing, and what survives a crash."""

from __future__ import annotations

import pytest

from collector.state.ledger import FLUSH_SECONDS, MonitoringLedger

pytestmark = pytest.mark.unit

T0 = 1_800_000_000.0
GAP = 15.0  # 1.5 × a 10 s interval


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ledger(tmp_path):
    clock = Clock()
    ledger = MonitoringLedger(tmp_path / "outages.sqlite", clock=clock)
    yield ledger, clock, tmp_path / "outages.sqlite"
    ledger.close()


def rounds(ledger, clock, site, count, every=10.0):
    for _ in range(count):
        clock.now += every
        ledger.judged(site, clock.now, GAP)


def test_rounds_on_time_make_one_span_from_the_first_round_to_the_last(ledger):
    ledger, clock, _ = ledger
    rounds(ledger, clock, "opd", 10)
    assert ledger.spans("opd", T0 - 100, T0 + 1000) == [(T0 + 10, T0 + 100)]
    assert ledger.spans("other", T0 - 100, T0 + 1000) == []


def test_a_late_round_leaves_the_gap_unmonitored(ledger):
    ledger, clock, _ = ledger
    rounds(ledger, clock, "opd", 3)
    rounds(ledger, clock, "opd", 1, every=60)  # a stalled scheduler, a stopped collector
    rounds(ledger, clock, "opd", 2)
    assert ledger.spans("opd", T0, T0 + 1000) == [(T0 + 10, T0 + 30), (T0 + 90, T0 + 110)]


def test_a_round_without_a_verdict_ends_the_span(ledger):
    ledger, clock, _ = ledger
    rounds(ledger, clock, "opd", 3)
    clock.now += 10
    ledger.not_judged("opd")
    rounds(ledger, clock, "opd", 2)
    assert ledger.spans("opd", T0, T0 + 1000) == [(T0 + 10, T0 + 30), (T0 + 50, T0 + 60)]


def test_spans_are_clipped_to_the_period_asked(ledger):
    ledger, clock, _ = ledger
    rounds(ledger, clock, "opd", 10)
    assert ledger.spans("opd", T0 + 40, T0 + 70) == [(T0 + 40, T0 + 70)]


def test_written_every_flush_period_so_a_crash_loses_at_most_that(ledger):
    ledger, clock, path = ledger
    rounds(ledger, clock, "opd", int(3 * FLUSH_SECONDS))  # 3 flush periods at 1 s a round
    # Another reader (the report) sees what was flushed, without the writer closing.
    reader = MonitoringLedger(path, clock=clock)
    try:
        [(start, end)] = reader.spans("opd", T0, T0 + 10_000)
    finally:
        reader._db.close()
    assert start == T0 + 10
    assert end >= clock.now - FLUSH_SECONDS - 10


def test_a_restart_begins_a_new_span_and_keeps_the_old_one(ledger, tmp_path):
    ledger, clock, path = ledger
    rounds(ledger, clock, "opd", 5)
    ledger.close()
    clock.now += 300  # stopped for five minutes
    again = MonitoringLedger(path, clock=clock)
    try:
        rounds(again, clock, "opd", 3)
        assert again.spans("opd", T0, T0 + 10_000) == [(T0 + 10, T0 + 50),
                                                       (T0 + 360, T0 + 380)]
    finally:
        again.close()
