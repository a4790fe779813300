"""The collector's application in the test's own event loop, started and stopped around a
block; skipped with the reason where ICMP sockets are not permitted."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from collector.app import CollectorApp
from collector.config import CollectorConfig
from collector.errors import IcmpUnavailableError


@contextlib.asynccontextmanager
async def running_app(config: CollectorConfig) -> AsyncIterator[CollectorApp]:
    app = CollectorApp(config)
    try:
        await app.start()
    except IcmpUnavailableError as err:
        pytest.skip(f"ICMP sockets not permitted here: {err}")
    try:
        yield app
    finally:
        await app.stop()
