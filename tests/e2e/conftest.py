"""Fixtures for tests on the namespace testbed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.testbed import Testbed, TestbedError, require_root


@pytest.fixture
def make_testbed() -> Iterator[Callable[..., Testbed]]:
    """A factory of Testbeds (same keyword arguments) that are all closed when the test ends,
    whether it passed, failed or never called ``close()``."""
    require_root()
    made: list[Testbed] = []

    def make(**kwargs: Any) -> Testbed:
        testbed = Testbed(**kwargs)
        made.append(testbed)
        return testbed

    yield make
    failures = []
    for testbed in reversed(made):
        try:
            testbed.close()
        except TestbedError as exc:
            failures.append(str(exc))
    if failures:
        pytest.fail("testbed teardown failed:\n" + "\n".join(failures))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
