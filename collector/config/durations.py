"""Durations as written in the config: a number of seconds, or text such as 500ms, 1m30s, 30d.

Every duration is held as float seconds once loaded. The validators here raise errors whose
wording is final, so the loader can show them unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

RULE_ERROR = "pantau_rule"
"""Error type of validation errors whose message is already written for people."""

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_TEXT = re.compile(r"-?(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def rule_error(message: str) -> PydanticCustomError:
    """A validation error carrying a finished message (braces in it are safe)."""
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": message})


def parse_duration(value: object) -> float:
    """Seconds for a YAML number or a duration text; raises a rule error otherwise."""
    # YAML reads `yes`/`true` as booleans, which Python would happily treat as 1 second.
    if isinstance(value, bool) or value is None:
        shown = {None: "nothing", True: "true", False: "false"}[value]
        raise rule_error(f"expected a duration, got {shown}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _TEXT.fullmatch(value.strip()):
        sign = -1.0 if value.strip().startswith("-") else 1.0
        seconds = sign * sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(value))
    elif isinstance(value, str):
        raise rule_error(f"'{value}' is not a duration (use e.g. 500ms, 30s, 5m)")
    else:
        kind = "a mapping" if isinstance(value, dict) else f"a {type(value).__name__}"
        raise rule_error(f"expected a duration, got {kind}")
    if not math.isfinite(seconds):
        raise rule_error(f"'{value}' is not a duration (use e.g. 500ms, 30s, 5m)")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest common spelling: 500ms, 2s, 1.5s, 5m, 1h (sub-millisecond noise dropped)."""
    if seconds != 0 and abs(seconds) < 1:
        return f"{round(seconds * 1000, 3):g}ms"
    for unit, size in (("h", 3600.0), ("m", 60.0)):
        if seconds != 0 and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{round(seconds, 6):g}s"


def duration(*, minimum: float = 0.0, inclusive: bool = False,
             maximum: float | None = None) -> Any:
    """A float-seconds type accepting only values above `minimum` (or equal, if inclusive),
    and no more than `maximum`."""

    def validate(value: object) -> float:
        seconds = parse_duration(value)
        bound = format_duration(minimum) if minimum else "0"
        if inclusive and seconds < minimum:
            raise rule_error(f"must be at least {bound} (got {format_duration(seconds)})")
        if not inclusive and seconds <= minimum:
            raise rule_error(f"must be greater than {bound} (got {format_duration(seconds)})")
        if maximum is not None and seconds > maximum:
            raise rule_error(f"must be at most {format_duration(maximum)} "
                             f"(got {format_duration(seconds)})")
        return seconds

    return Annotated[float, BeforeValidator(validate)]


PositiveDuration = duration()
"""A duration that must be longer than zero."""

NonNegativeDuration = duration(inclusive=True)
"""A duration that may be zero."""
