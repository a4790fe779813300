"""YAML into a validated pydantic model, or every problem at once, each with its line.

The YAML is composed into a node tree first, so each key path keeps the line it was written on;
plain data is built from that same tree and handed to pydantic. Every problem, whether from
YAML, pydantic or the cross-field checks, becomes one line:
`{source}:{line}: {key.path}: {message}`, and the lines are sorted by line number. Used for the
collector's config and for SNMP profiles alike; it knows neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from collector.config.durations import RULE_ERROR
from collector.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
"""Where a value is in the file: its key path."""
Checks = Callable[[M, Callable[[Loc], bool]], list[tuple[Loc, str]]]

MAX_DEPTH = 40
"""Nesting deeper than any config needs (the deepest is 6): a mistake, or an attack."""
MAX_VALUES = 200_000
"""Values built from the file, aliases expanded: a few thousand sites fit many times over;
an alias bomb (each anchor repeating the one before ten times) does not."""
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads `22:00` as the base-60 number 1320 (YAML 1.2 dropped that); here a
    scalar with a colon stays text, so a time of day reaches its validator as written."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        tag = super().resolve(kind, value, implicit)
        if tag in _NUMBER_TAGS and ":" in value:
            return "tag:yaml.org,2002:str"
        return tag


def parse_yaml_model(text: str, source_name: str, model: type[M],
                     checks: Checks[M] | None = None) -> M:
    """Validate YAML `text` as `model`, then `checks` across fields; every problem is one
    located line of the ConfigError raised."""
    root = _compose(text, source_name)
    try:
        tree = _Tree(root)
    except _TooManyValues as exc:
        raise ConfigError([f"{source_name}:{exc.line}: {format_path(exc.loc)}: the file makes "
                           f"more than {MAX_VALUES} values (aliases repeating aliases?)"]
                          ) from None
    problems = list(tree.problems)
    unreadable = {path for _, path, _ in tree.problems}
    validated: M | None = None
    try:
        validated = model.model_validate(tree.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if _counts_failed_items(error):
                continue
            raw_loc = error["loc"]
            error["loc"] = _written_loc(tree.data, raw_loc)
            if error["type"] == "union_tag_invalid":
                # A tagged union (services by `kind`): the tag names the kind written.
                key = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
                error["loc"] = (*error["loc"], key)
            if format_path(error["loc"]) in unreadable:
                continue  # said already: the value could not be read at all
            problems.append((tree.line(error["loc"]), format_path(error["loc"]),
                             describe_error(error, model, raw_loc)))
    # Cross-references are only meaningful between values that are themselves valid.
    if validated is not None and checks is not None:
        for loc, message in checks(validated, lambda loc: loc in tree.lines):
            problems.append((tree.line(loc), format_path(loc), message))
    if problems:
        # A stable sort on the line alone keeps problems of one line in the order found.
        problems.sort(key=lambda problem: problem[0])
        raise ConfigError(
            [
                f"{source_name}:{line}: {path}: {msg}" if path else f"{source_name}:{line}: {msg}"
                for line, path, msg in problems
            ]
        )
    assert validated is not None  # no problems means pydantic accepted the data
    return validated


def _compose(text: str, source: str) -> MappingNode:
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError([f"{source}:{line}: YAML syntax error: {exc.reason}"]) from None
    try:
        root = loader.get_single_node()
    except RecursionError:
        line = loader.get_mark().line + 1
        raise ConfigError([f"{source}:{line}: nested too deeply (more than {MAX_DEPTH} levels "
                           "make no config)"]) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        problem = str(exc.problem)
        # "but found another document" only makes sense after its context.
        if problem.startswith("but ") and exc.context:
            problem = f"{exc.context}, {problem}"
        raise ConfigError([f"{source}:{line}: YAML syntax error: {problem}"]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ConfigError([f"{source}:{line}: YAML syntax error: {exc.reason}"]) from None
    finally:
        loader.dispose()
    if root is None:
        raise ConfigError([f"{source}:1: the file is empty"])
    if not isinstance(root, MappingNode):
        line = root.start_mark.line + 1
        raise ConfigError([f"{source}:{line}: the top level must be a mapping of sections"])
    return root


class _TooManyValues(Exception):
    def __init__(self, line: int, loc: Loc) -> None:
        super().__init__(line, loc)
        self.line, self.loc = line, loc


class _Tree:
    """Plain data built from a YAML node tree, with the line of every key path written."""

    def __init__(self, root: MappingNode) -> None:
        self.lines: dict[Loc, int] = {(): root.start_mark.line + 1}
        self.problems: list[tuple[int, str, str]] = []
        self._scalars = yaml.SafeLoader("")
        self._built = 0
        self.data = self._build(root, ())

    def line(self, loc: Loc) -> int:
        """Line of `loc`, or of the nearest enclosing path written (for a missing key)."""
        while loc not in self.lines:
            loc = loc[:-1]
        return self.lines[loc]

    def _problem(self, node: Node, loc: Loc, message: str) -> None:
        self.problems.append((node.start_mark.line + 1, format_path(loc), message))

    def _build(self, node: Node, loc: Loc) -> Any:
        self._built += 1
        if self._built > MAX_VALUES:
            # Reported at the top-level key being built: the nodes an alias repeats stand
            # where their anchor was written.
            raise _TooManyValues(self.line(loc[:1]), loc[:1])
        if len(loc) > MAX_DEPTH:
            self._problem(node, loc, f"nested too deeply (more than {MAX_DEPTH} levels make "
                          "no config)")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*loc, index)] = item.start_mark.line + 1
                items.append(self._build(item, (*loc, index)))
            return items
        try:
            value = self._scalars.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            self._problem(node, loc, f"cannot read the value: {exc.problem}")
            return None
        except ValueError as exc:
            # An integer of more digits than Python converts.
            reason = ("a number of more than 4300 digits" if "digits" in str(exc)
                      else str(exc))
            self._problem(node, loc, f"cannot read the value: {reason}")
            return None
        if isinstance(value, str) and not _encodable(value):
            self._problem(node, loc, "cannot read the value: it holds an escape that is no "
                          "character (a lone surrogate such as \\ud800)")
            return None
        return value

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        data: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                self._problem(key_node, loc, "merge keys (<<) and complex keys are not supported")
                continue
            # Keys are taken as written: `yes:` or `1:` is still a (wrong) key, not a bool or int.
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_line:
                message = f"duplicate key '{key}' (first at line {first_line[key]})"
                self._problem(key_node, (*loc, key), message)
                continue
            first_line[key] = line
            self.lines[(*loc, key)] = line
            data[key] = self._build(value_node, (*loc, key))
        return data


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- pydantic errors, reworded --------------------------------------------------------------

_SCALAR_TYPES = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "path_type": "a path",
}
_CONTAINER_TYPES = {
    "tuple_type": "a list",
    "list_type": "a list",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least"),
    "less_than_equal": ("le", "must be at most"),
    "greater_than": ("gt", "must be greater than"),
    "less_than": ("lt", "must be less than"),
}


def _written_loc(data: Any, loc: Loc) -> Loc:
    """The key path as written: pydantic puts a tagged union's tag among the keys (e.g.
    `services.2.tcp.port`), which the file does not have."""
    kept: list[str | int] = []
    here = data
    for part in loc:
        present = (isinstance(here, dict) and part in here) or (
            isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here))
        if present:
            here = here[part]  # type: ignore[index]
        elif isinstance(here, dict) and here.get("kind") == part:
            continue  # a union's tag, not a key of the file
        else:
            here = None
        kept.append(part)
    return tuple(kept)


def describe_error(error: ErrorDetails, root: type[BaseModel],
                   raw_loc: Loc | None = None) -> str:
    """The message for one pydantic error, in the words of the config file."""
    kind, value, ctx = error["type"], error["input"], error.get("ctx", {})
    if kind == RULE_ERROR:
        return str(ctx["message"])
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(root, (raw_loc or error["loc"])[:-1])
        return f"unknown key (allowed: {', '.join(allowed)})" if allowed else "unknown key"
    if kind == "union_tag_invalid":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        return f"'{ctx.get('tag')}' is not one of: {', '.join(expected)}"
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if isinstance(value, list | dict):
            return f"expected one of: {', '.join(choices)}, got {_kind(value)}"
        return f"{_show(value)} is not one of: {', '.join(choices)}"
    if kind in _SCALAR_TYPES:
        return f"expected {_SCALAR_TYPES[kind]}, got {_show(value)}"
    if kind in _CONTAINER_TYPES:
        return f"expected {_CONTAINER_TYPES[kind]}, got {_kind(value)}"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = ctx[key]
        # pydantic hands a float field's bound over as a float: show `0`, not `0.0`.
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"{words} {bound} (got {_show(value)})"
    if kind == "too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} items (got {ctx['actual_length']})"
    return f"{error['msg']} (got {_show(value)})"


def _counts_failed_items(error: ErrorDetails) -> bool:
    # pydantic counts a list's length after dropping the items that failed, so a list of one
    # bad address is also "too short"; the item's own error is the one worth reading.
    value, ctx = error["input"], error.get("ctx", {})
    return (
        error["type"] == "too_short"
        and isinstance(value, list)
        and len(value) >= ctx.get("min_length", 0)
    )


def _fields_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at `loc`, walking from the top-level model."""
    current: Any = root
    for part in loc:
        member = _tagged_member(current, part)
        if member is not None:
            current = member  # a tagged union's tag names the model: take it, read no key
            continue
        current = _model_or_container(current)
        origin = get_origin(current)
        if origin is dict:
            current = get_args(current)[1]
        elif isinstance(part, int) and origin in (tuple, list):
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = _keys_of(current).get(str(part))
            current = field.annotation if field else None
        else:
            return []
    current = _model_or_container(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(_keys_of(current))
    return []


def _tagged_member(annotation: Any, tag: object) -> Any:
    """The member of a union whose `kind` is the literal ``tag``, if ``annotation`` is one."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) not in (Union, UnionType) or not isinstance(tag, str):
        return None
    for member in get_args(annotation):
        field = member.model_fields.get("kind") if isinstance(member, type) and \
            issubclass(member, BaseModel) else None
        if field is not None and tag in get_args(field.annotation):
            return member
    return None


def _keys_of(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model's fields by the key written in the file (`from`, not `sender`)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _model_or_container(annotation: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` as X, so the walk sees the model or container."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            kept = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = kept[0] if kept else None
        else:
            return annotation


def _show(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return _kind(value)
    return f"'{value}'"


def _kind(value: object) -> str:
    if value is None or isinstance(value, bool):
        return _show(value)
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    return {str: "a string", list: "a list"}.get(type(value), f"a {type(value).__name__}")


def format_path(loc: Loc) -> str:
    """`('sites', 3, 'links', 0, 'parent')` as `sites[3].links[0].parent`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
