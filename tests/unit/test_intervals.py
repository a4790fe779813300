"""Interval arithmetic under the availability figures."""

import pytest

from collector.intervals import clip, merge, subtract, total

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("given", "expected"), [
    ([], []),
    ([(5, 7), (1, 3)], [(1, 3), (5, 7)]),
    ([(1, 3), (2, 5)], [(1, 5)]),
    ([(1, 3), (3, 4)], [(1, 4)]),  # touching
    ([(1, 10), (2, 3)], [(1, 10)]),  # contained
    ([(4, 4), (6, 5)], []),  # empty and reversed intervals are dropped
])
def test_merge(given, expected):
    assert merge(given) == expected


@pytest.mark.parametrize(("given", "start", "end", "expected"), [
    ([(0, 10)], 2, 5, [(2, 5)]),
    ([(0, 3), (8, 12)], 2, 10, [(2, 3), (8, 10)]),
    ([(0, 2)], 2, 5, []),
    ([(5, 9)], 0, 5, []),
])
def test_clip(given, start, end, expected):
    assert clip(given, start, end) == expected


@pytest.mark.parametrize(("given", "removed", "expected"), [
    ([(0, 10)], [], [(0, 10)]),
    ([(0, 10)], [(2, 3), (5, 7)], [(0, 2), (3, 5), (7, 10)]),
    ([(0, 10)], [(-5, 4), (8, 20)], [(4, 8)]),
    ([(0, 10)], [(0, 10)], []),
    ([(0, 4), (6, 10)], [(3, 7)], [(0, 3), (7, 10)]),
    ([(0, 4)], [(4, 6)], [(0, 4)]),
])
def test_subtract(given, removed, expected):
    assert subtract(given, removed) == expected


def test_total_counts_overlaps_once():
    assert total([(0, 10), (5, 15), (20, 21)]) == 16
