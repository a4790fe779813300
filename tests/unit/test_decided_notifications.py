"""Notifications kept from the moment they are decided: their encoding, the outage log's
writes kept in memory while its file takes none, and an engine started over the file of one
that was killed."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.alerting.engine import AlertEngine
from collector.alerting.notifications import (
    AffectedSite,
    EventKind,
    Notification,
    decode,
    encode,
)
from collector.alerting.outage_log import Cause, Evidence, EvidenceKind, OutageLog
from collector.config import parse_config_text
from collector.state.services import ServiceStateKind as SS
from tests.unit.test_alert_engine import (
    CONFIG,
    Calendar,
    Clock,
    Figures,
    Judge,
    service_change,
)

pytestmark = pytest.mark.unit

text = st.text(max_size=20)
moment = st.floats(min_value=0, max_value=4e9, allow_nan=False)
maybe = st.none
notifications = st.builds(
    Notification, st.sampled_from(EventKind), moment, text, text,
    link=maybe() | text, started_at=maybe() | moment, ended_at=maybe() | moment,
    cause=maybe() | st.sampled_from(Cause),
    evidence=maybe() | st.builds(Evidence, st.sampled_from(EvidenceKind),
                                 st.lists(text, max_size=3).map(tuple), maybe() | moment),
    loss_before=maybe() | st.floats(0, 1), rtt_before=maybe() | st.floats(0, 10),
    affected=st.lists(st.builds(AffectedSite, text, text, text), max_size=3).map(tuple),
    agent=maybe() | text, device=maybe() | text, uptime_before=maybe() | moment,
    service=maybe() | text, service_title=maybe() | text, failure=maybe() | text,
    status_code=maybe() | st.integers(100, 599), cert_expiry=maybe() | moment,
    latency=maybe() | st.floats(0, 60), latency_limit=maybe() | st.floats(0, 60),
    affected_services=st.lists(st.tuples(text, text), max_size=3).map(tuple),
    reason=maybe() | text, changes=maybe() | st.integers(0, 1000),
    after_flapping=st.booleans(), outage_id=maybe() | st.integers(1, 2**40),
    planned=st.booleans(), acked_by=maybe() | text, acked_at=maybe() | moment)


@settings(max_examples=300, deadline=None)
@given(notifications)
def test_a_notification_comes_back_from_its_encoding_equal_in_every_field(n):
    assert decode(encode(n)) == n


def lock(path):
    """Another connection holding the file's write lock, as another process would."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_writes_to_a_locked_log_wait_in_memory_and_reach_the_file_in_order(tmp_path, caplog):
    path = tmp_path / "outages.sqlite"
    log = OutageLog(path)
    other = lock(path)
    first = log.open("opd", None, 100.0)
    second = log.open("relay", "radio", 110.0)
    log.close_outage(first, 130.0)
    assert (first, second) == (1, 2)  # ids given at once, the file not written
    assert log.stats.unwritten == 3 and log.stats.failures >= 1
    other.execute("ROLLBACK")
    other.close()
    assert log.flush(force=True)
    rows = [(o.id, o.site, o.started_at, o.ended_at) for o in log.between(0, 1000)]
    assert rows == [(1, "opd", 100.0, 130.0), (2, "relay", 110.0, None)]
    assert log.stats.unwritten == 0
    messages = [r.getMessage() for r in caplog.records]
    assert sum("cannot be written" in m for m in messages) == 1
    assert sum("is written again" in m for m in messages) == 1
    log.close()


def test_a_failed_commit_is_not_tried_again_before_its_retry_time(tmp_path, monkeypatch):
    from collector.alerting import outage_log

    monkeypatch.setattr(outage_log, "RETRY_SECONDS", 60.0)  # a slow machine stays within it
    path = tmp_path / "outages.sqlite"
    log = OutageLog(path)
    other = lock(path)
    log.open("opd", None, 100.0)
    tries = log.stats.failures
    assert tries == 1
    for _ in range(20):
        log.set_root(1, "core")
    # None of the writes that followed tried the locked file again (nor waited on it).
    assert log.stats.failures == tries and log.stats.unwritten == 21
    assert not log.flush()  # still within the retry time
    assert log.stats.failures == tries
    assert log.flush(force=True) is False and log.stats.failures == tries + 1
    other.execute("ROLLBACK")
    other.close()
    log.close()


def test_writes_in_a_transaction_reach_the_file_together(tmp_path):
    path = tmp_path / "outages.sqlite"
    log = OutageLog(path)
    reader = sqlite3.connect(path)
    with log.transaction():
        log.open("opd", None, 100.0)
        log.mark_announced(1)
        assert reader.execute("SELECT count(*) FROM outages").fetchone() == (0,)
    assert reader.execute("SELECT announced FROM outages").fetchall() == [(1,)]
    reader.close()
    log.close()


@pytest.fixture
def make(tmp_path):
    clock = Clock()
    config = parse_config_text(CONFIG, "test.yml")
    logs: list[OutageLog] = []

    def engine():
        """A new engine over a new connection to the same file: a collector started again
        (the one before gone without a word, as a SIGKILL leaves it)."""
        log = OutageLog(tmp_path / "outages.sqlite")
        logs.append(log)
        return AlertEngine(config, log, Judge(), Figures(), Calendar(), clock)

    yield engine, clock
    for log in logs:
        log.close()


def test_what_was_decided_in_the_window_goes_out_once_after_a_kill(make):
    engine, clock = make
    first = engine()
    first.on_service_transitions([service_change(clock, SS.UP, SS.DOWN)])
    assert first.tick() == []  # the window is open
    clock.now += 3
    second = engine()  # the first one killed inside its window
    assert second.tick() == []
    clock.now += 10
    batch = second.due()
    assert batch is not None
    assert [(n.kind, n.service) for n in batch.notifications] == [
        (EventKind.SERVICE_DOWN, "simpeg")]
    # Not handed over yet (the outbox could not take it, or a kill came first): the next
    # start has it to offer again, the same.
    third = engine()
    assert [b.notifications for b in third.unsent] == [batch.notifications]
    third.handed_over(third.unsent[0])
    assert engine().unsent == []
    # The outage was marked announced with the decision: no second "down" after a start.
    clock.now += 30
    assert engine().tick() == []


def test_a_down_due_and_not_told_before_a_kill_is_told_after_it(make):
    from collector.state import LinkState as S
    from collector.state import Transition

    engine, clock = make
    first = engine()
    first.on_transitions([Transition("opd", None, S.UP, S.DOWN, clock.now)])
    clock.now += 2
    second = engine()
    clock.now += 15
    sent = second.tick()
    assert [(n.kind, n.site) for n in sent] == [(EventKind.DOWN, "opd")]
    clock.now += 30
    assert engine().tick() == []
