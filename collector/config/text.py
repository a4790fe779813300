"""Text values the config checks the same way wherever they stand: regular expressions
(SNMP interface filters, service bodies, banners and answers) and http(s) URLs (services,
the Telegram API, webhooks)."""

from __future__ import annotations

import re
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Strict

from collector.config.durations import rule_error


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except (re.error, RecursionError, OverflowError) as err:
        raise rule_error(f"'{value}' is not a regular expression: {err}") from None
    if _explosive(_parser.parse(value).data):
        # (a*)*b against "aaaa…c" tries every way to split the a's: a check would hang.
        raise rule_error(f"'{value}' repeats a repetition with nothing between ((x+)+, "
                         "(x*)*): it can take exponential time on text that almost matches; "
                         "write it without the inner or the outer repeat")
    return value


_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT}
_ZERO_WIDTH = {_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT}


def _explosive(items: list) -> bool:
    """Whether an unbounded repeat holds a body that can split one text in many ways: an
    unbounded repeat of its own with nothing required beside it. `(\\d+\\.)+` is fine (the dot
    is required), `(a+)+` and `(x|y*)*` are not. Possessive repeats do not backtrack."""
    for op, av in items:
        if op in _REPEATS:
            _, high, body = av
            inner = [body]
            if high == _constants.MAXREPEAT and _splits(body):
                return True
        elif op is _constants.SUBPATTERN:
            inner = [av[-1]]
        elif op is _constants.BRANCH:
            inner = list(av[1])
        else:
            continue
        if any(_explosive(each) for each in inner):
            return True
    return False


def _splits(items: list) -> bool:
    items = list(items)
    for index, (op, av) in enumerate(items):
        rest = items[:index] + items[index + 1:]
        if not all(_optional(item) for item in rest):
            continue
        if op in _REPEATS and av[1] == _constants.MAXREPEAT:
            return True
        if op is _constants.SUBPATTERN and _splits(av[-1]):
            return True
        if op is _constants.BRANCH and any(_splits(branch) for branch in av[1]):
            return True
    return False


def _optional(item: tuple) -> bool:
    op, av = item
    return op in _ZERO_WIDTH or (op in _REPEATS and av[0] == 0)


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise rule_error(f"'{value}' is not an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as err:
        raise rule_error(f"'{value}': {err}") from None
    return value


Regex = Annotated[str, Strict(), AfterValidator(_check_regex)]
Url = Annotated[str, Strict(), AfterValidator(_check_url)]
