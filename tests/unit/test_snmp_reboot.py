"""Reboot detection from sysUpTime: restarts, the 497-day wrap, and reads that say nothing."""

import pytest

from collector.snmp.state import TIMETICKS_WRAP, rebooted

pytestmark = pytest.mark.unit

HOUR = 3600.0


@pytest.mark.parametrize(
    ("before", "ticks", "at", "expected"),
    [
        ((100_000, 0.0), 100_000 + 6000, 60.0, False),     # a minute later, a minute more
        ((100_000, 0.0), 150, 60.0, True),                  # restarted 1.5 s ago
        ((100_000, 0.0), 100_000 + 5900, 60.0, False),     # 1 s short: within slack
        ((100_000, 0.0), 100_000 + 5000, 60.0, True),      # 10 s short: it restarted
        ((360_000_000, 0.0), 30_000, HOUR, True),           # up 41 days, then 5 min
        # Down for an hour, back with an uptime shorter than the hour: it restarted.
        ((100_000, 0.0), 200_000, HOUR, True),
        # Just before the 497-day wrap, and just after it: no restart.
        ((TIMETICKS_WRAP - 3000, 0.0), 3000, 60.0, False),
        # After the wrap point, but far from where the wrap would put it: a restart.
        ((TIMETICKS_WRAP - 3000, 0.0), 400_000, 60.0, True),
    ],
)
def test_rebooted(before, ticks, at, expected):
    assert rebooted(before, ticks, at) is expected
