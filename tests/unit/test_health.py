"""The link state machine, driven round by round."""

import pytest

from collector.config import StateSettings
from collector.state import LinkHealth, LinkState, RoundSummary

pytestmark = pytest.mark.unit

GOOD = RoundSummary(5, 5, (0.001,) * 5)
FAILED = RoundSummary(5, 0, ())
NOT_SENT = RoundSummary(0, 0, ())
SLOW = RoundSummary(5, 5, (0.4,) * 5)


def lossy(received: int) -> RoundSummary:
    return RoundSummary(5, received, (0.001,) * received)


def settings(**overrides) -> StateSettings:
    values = {"down_after": 3, "up_after": 2, "degraded_loss": 0.1, "degraded_rtt": 0.15,
              "window": 10} | overrides
    return StateSettings(**values)


def feed(health: LinkHealth, rounds) -> list[LinkState]:
    return [health.observe(r) for r in rounds]


def test_first_good_round_makes_an_unknown_link_up():
    assert feed(LinkHealth(settings()), [GOOD]) == [LinkState.UP]


def test_down_only_after_n_consecutive_failed_rounds():
    health = LinkHealth(settings(down_after=3))
    assert feed(health, [GOOD, FAILED, FAILED, FAILED]) == [
        LinkState.UP, LinkState.UP, LinkState.UP, LinkState.DOWN]


def test_a_good_round_resets_the_failure_streak():
    health = LinkHealth(settings(down_after=3, degraded_loss=1.0))
    states = feed(health, [GOOD, FAILED, FAILED, GOOD, FAILED, FAILED])
    assert LinkState.DOWN not in states


def test_single_lost_echo_never_takes_a_link_down_or_degraded():
    health = LinkHealth(settings())
    states = feed(health, [GOOD] * 9 + [lossy(4)] + [GOOD] * 5)
    assert set(states) == {LinkState.UP}


def test_back_up_after_m_good_rounds_and_window_starts_afresh():
    health = LinkHealth(settings(down_after=2, up_after=3))
    feed(health, [GOOD, FAILED, FAILED])
    assert health.state is LinkState.DOWN
    # The failed rounds of the outage must not leave the link degraded once it is back.
    assert feed(health, [GOOD, GOOD, GOOD]) == [LinkState.DOWN, LinkState.DOWN, LinkState.UP]


def test_sustained_loss_over_the_window_degrades_but_does_not_take_down():
    health = LinkHealth(settings(window=10, degraded_loss=0.1))
    # 30 % loss: 3 or 4 of 5 echoes answer every round.
    states = feed(health, [GOOD] + [lossy(3), lossy(4)] * 10)
    assert states[-1] is LinkState.DEGRADED
    assert LinkState.DOWN not in states


def test_degraded_returns_up_after_m_rounds_of_good_quality():
    health = LinkHealth(settings(window=2, up_after=2))
    feed(health, [GOOD, lossy(2), lossy(2)])
    assert health.state is LinkState.DEGRADED
    # The first good round still shares the window with a lossy one; then two good ones.
    assert feed(health, [GOOD, GOOD, GOOD]) == [
        LinkState.DEGRADED, LinkState.DEGRADED, LinkState.UP]


def test_high_median_rtt_degrades():
    health = LinkHealth(settings(window=3, degraded_rtt=0.15))
    assert feed(health, [GOOD, GOOD, SLOW, SLOW]) == [
        LinkState.UP, LinkState.UP, LinkState.UP, LinkState.DEGRADED]


def test_rounds_that_could_not_send_make_error_after_down_after_and_never_down():
    health = LinkHealth(settings(down_after=3))
    feed(health, [GOOD])
    assert feed(health, [NOT_SENT] * 5) == [LinkState.UP] * 2 + [LinkState.ERROR] * 3
    assert health.failed_streak == 0
    assert health.error is not None


def test_the_first_round_that_sends_again_ends_error_with_the_verdict_before_it():
    health = LinkHealth(settings(down_after=1, up_after=2))
    feed(health, [GOOD, NOT_SENT])
    assert health.state is LinkState.ERROR
    assert health.observe(GOOD) is LinkState.UP
    assert health.error is None


def test_down_is_held_back_while_not_allowed_but_the_streak_counts():
    health = LinkHealth(settings(down_after=2))
    feed(health, [GOOD])
    assert health.observe(FAILED, may_go_down=False) is LinkState.UP
    assert health.observe(FAILED, may_go_down=False) is LinkState.UP
    assert health.observe(FAILED, may_go_down=True) is LinkState.DOWN


def test_forget_returns_to_unknown():
    health = LinkHealth(settings(down_after=1))
    feed(health, [FAILED])
    health.forget()
    assert health.state is LinkState.UNKNOWN
    assert feed(health, [GOOD]) == [LinkState.UP]
