"""The example config, mutated a line at a time as a careless hand or an attacker would: the
loader either takes it or names every problem with its file and line, and never hangs, never
fails with anything but a ConfigError."""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.config import parse_config_text
from collector.errors import ConfigError
from tests.support.config_fixtures import ROOT

pytestmark = pytest.mark.unit

EXAMPLE = (ROOT / "config" / "collector.example.yml").read_text(encoding="utf-8")
LINES = EXAMPLE.splitlines()
SOURCE = "collector.yml"
LOCATED = re.compile(rf"{re.escape(SOURCE)}:\d+: \S")

odd_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                          categories=None), max_size=30)
scalars = st.one_of(
    odd_text, st.integers(-10**30, 10**30).map(str), st.floats().map(str),
    st.sampled_from(["", "~", "yes", "[]", "{}", "*x", "&x a", "!!python/object:os.system",
                     '"\\ud800"', "'", '"', "{file: /dev/zero}", "{env: NOPE_NOT_SET}",
                     "9" * 5000, "[" * 500, "(a*)*b", "-1s", "1e999", "0x7fffffffffffffff",
                     "2001:db8::1", "192.0.2.999", "<<: *x"]))


@st.composite
def mutated(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        what = draw(st.sampled_from(["value", "delete", "duplicate", "indent", "insert",
                                     "key"]))
        line = lines[index]
        if what == "value" and ":" in line:
            lines[index] = line.split(":", 1)[0] + ": " + draw(scalars)
        elif what == "delete":
            del lines[index]
        elif what == "duplicate":
            lines.insert(index, line)
        elif what == "indent":
            lines[index] = " " * draw(st.integers(0, 9)) + line.lstrip()
        elif what == "insert":
            lines.insert(index, draw(odd_text))
        elif what == "key" and ":" in line:
            lines[index] = draw(odd_text) + ":" + line.split(":", 1)[1]
    return "\n".join(lines)


@contextmanager
def at_most(seconds: int):
    def expire(*_):
        raise TimeoutError(f"the loader took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_a_mutated_example_is_taken_or_every_problem_is_located(text):
    with at_most(10):
        try:
            parse_config_text(text, SOURCE)
        except ConfigError as err:
            lines = err.errors
            assert lines, "a ConfigError with nothing in it"
            assert all(LOCATED.match(line) for line in lines), lines
