"""Availability figures, each expected value worked out by hand from the outages given."""

import pytest

from collector.alerting.outage_log import Cause, Outage
from collector.report.availability import network_availability, site_availability

pytestmark = pytest.mark.unit

H = 3600.0
DAY = 24 * H
START = 1_790_000_000.0  # any instant; a "month" here is 30 days from it
END = START + 30 * DAY


def outage(start_h: float, end_h: float | None, *, site: str = "opd", link: str | None = None,
           cause: Cause = Cause.UNKNOWN, planned: bool = False, id: int = 0) -> Outage:
    """An outage from `start_h` to `end_h` hours after START (None: still open)."""
    ended = None if end_h is None else START + end_h * H
    return Outage(id, site, link, START + start_h * H, ended, cause, "", planned, None)


def test_a_month_with_a_3h_and_a_45min_outage():
    result = site_availability("opd", [outage(10, 13, id=1), outage(100, 100.75, id=2)],
                               [], START, END)
    assert result.availability == pytest.approx(1 - 3.75 / 720)
    assert result.downtime_seconds == pytest.approx(3.75 * H)
    assert result.counted == 2
    assert result.longest_seconds == pytest.approx(3 * H)
    assert result.mttr_seconds == pytest.approx((3 + 0.75) / 2 * H)
    assert result.planned_seconds == 0


def test_planned_time_leaves_both_the_downtime_and_the_period():
    # 4 h of maintenance; a 2 h outage half inside it leaves 1 h of downtime.
    planned = [(START + 50 * H, START + 54 * H)]
    result = site_availability("opd", [outage(53, 55, id=1)], planned, START, END)
    assert result.downtime_seconds == pytest.approx(1 * H)
    assert result.planned_seconds == pytest.approx(4 * H)
    assert result.availability == pytest.approx(1 - 1 / (720 - 4))


def test_a_planned_outage_counts_only_where_it_overran_its_window():
    planned = [(START + 50 * H, START + 54 * H)]
    inside = outage(51, 53, planned=True, cause=Cause.LINK, id=1)
    overran = outage(200, 207, planned=True, cause=Cause.LINK, id=2)
    result = site_availability("opd", [inside, overran],
                               [*planned, (START + 199 * H, START + 205 * H)], START, END)
    assert result.downtime_seconds == pytest.approx(2 * H)
    assert result.counted == 1
    assert result.outage_downtime == {1: 0.0, 2: pytest.approx(2 * H)}
    assert result.availability == pytest.approx(1 - 2 / (720 - 4 - 6))


def test_outages_are_clipped_to_the_period_and_open_ones_run_to_its_end():
    crossing_start = outage(-5, 2, cause=Cause.POWER, id=1)  # 2 h inside
    still_open = outage(30 * 24 - 4, None, id=2)  # the last 4 h
    result = site_availability("opd", [crossing_start, still_open], [], START, END)
    assert result.downtime_seconds == pytest.approx(6 * H)
    assert result.downtime_by_cause[Cause.POWER] == pytest.approx(2 * H)
    assert result.downtime_by_cause[Cause.UNKNOWN] == pytest.approx(4 * H)
    # The crossing one ended in the period after 7 h in all; the open one has not ended.
    assert result.mttr_seconds == pytest.approx(7 * H)
    assert result.availability == pytest.approx(1 - 6 / 720)


def test_the_month_so_far_ends_at_now():
    now = START + 10 * DAY
    result = site_availability("opd", [outage(200, None, id=1)], [], START, END, now=now)
    assert result.end == now
    assert result.period_seconds == pytest.approx(10 * DAY)
    assert result.downtime_seconds == pytest.approx((240 - 200) * H)
    assert result.availability == pytest.approx(1 - 40 / 240)
    assert result.mttr_seconds is None


def test_links_and_other_sites_do_not_count():
    rows = [outage(1, 5, link="fo", id=1), outage(1, 5, site="bappeda", id=2),
            outage(10, 11, id=3)]
    result = site_availability("opd", rows, [], START, END)
    assert [o.id for o in result.outages] == [3]
    assert result.downtime_seconds == pytest.approx(1 * H)


def test_overlapping_rows_count_once_and_causes_add_up():
    rows = [outage(10, 14, cause=Cause.POWER, id=1), outage(12, 16, cause=Cause.LINK, id=2)]
    result = site_availability("opd", rows, [], START, END)
    assert result.downtime_seconds == pytest.approx(6 * H)
    assert result.downtime_by_cause[Cause.POWER] == pytest.approx(4 * H)
    assert result.downtime_by_cause[Cause.LINK] == pytest.approx(2 * H)
    assert sum(result.downtime_by_cause.values()) == pytest.approx(result.downtime_seconds)


def test_a_site_in_maintenance_all_period_has_no_availability():
    result = site_availability("opd", [outage(1, 2, id=1)], [(START - H, END + H)], START, END)
    assert result.availability is None
    assert result.downtime_seconds == 0
    assert result.counted == 0


def test_no_outages_is_full_availability():
    result = site_availability("opd", [], [], START, END)
    assert result.availability == 1.0
    assert result.mttr_seconds is None
    assert dict(result.downtime_by_cause) == dict.fromkeys(Cause, 0.0)


def test_network_availability_weighs_sites_by_the_time_judged():
    full = site_availability("a", [outage(0, 6, site="a")], [], START, END)
    half = site_availability("b", [outage(0, 2, site="b")], [(START, START + 15 * DAY)],
                             START, END)
    # a: 6 h down of 720 h; b: none of 360 h (its first 15 days were planned, and its
    # outage fell inside them): 6 h down of 1080 h judged.
    assert half.downtime_seconds == 0
    assert network_availability([full, half]) == pytest.approx(1 - 6 / 1080)
    assert network_availability([]) is None
