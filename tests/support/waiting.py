"""Waiting on a condition with a deadline, instead of sleeping and hoping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    interval: float = 0.05,
    *,
    what: str = "condition",
) -> T:
    """Call ``predicate`` until it returns something truthy, and return that.

    Raises ``TimeoutError`` naming ``what`` when ``timeout`` seconds pass first. The predicate
    runs at least once, and at most ``timeout / interval + 2`` times.
    """
    if interval <= 0:
        raise ValueError(f"interval must be positive, got {interval}")
    deadline = time.monotonic() + timeout
    attempts = int(timeout / interval) + 2
    result = predicate()
    for _ in range(attempts):
        if result:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(interval, remaining))
        result = predicate()
    if result:
        return result
    raise TimeoutError(f"{what} not met within {timeout} s (last value: {result!r})")


async def async_wait_until(
    predicate: Callable[[], T],
    timeout: float,
    interval: float = 0.05,
    *,
    what: str = "condition",
) -> T:
    """``wait_until`` for code running on an event loop: it yields to the loop between calls."""
    deadline = time.monotonic() + timeout
    result = predicate()
    for _ in range(int(timeout / interval) + 2):
        if result:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        await asyncio.sleep(min(interval, remaining))
        result = predicate()
    if result:
        return result
    raise TimeoutError(f"{what} not met within {timeout} s (last value: {result!r})")
