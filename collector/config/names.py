"""The rule every name in the config follows (sites, links, devices, agents, groups): it ends
up in metric labels, file names and mail headers, so it is short and plain."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Strict

from collector.config.durations import rule_error

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise rule_error(
            f"'{value}' is not a valid name (lower-case letters, digits, '-' and '_', "
            "starting with a letter or digit, at most 63 characters)"
        )
    return value


Name = Annotated[str, Strict(), AfterValidator(check_name)]


def title_from_name(data: Any) -> Any:
    """A `title` left out is the `name` (for a site, a service): people read titles."""
    if isinstance(data, dict) and "title" not in data:
        # A bad or missing name is reported on `name`; the placeholder keeps it to one error.
        name = data.get("name")
        return {**data, "title": name if isinstance(name, str) else ""}
    return data
