"""Profiles: what to read from a kind of device, as data files with numeric OIDs.

Built-in profiles are the YAML files beside this module; users add one by dropping a file
into a directory named in `snmp.profile_dirs`. Scalars are read with GET, table columns by
walking them. A table's `labels` and `static` columns are read when the device is discovered
(every `snmp.label_refresh`, and when it restarts or its number of interfaces changes), its
`columns` at every poll; a column with `low32_of` is derived from the 64-bit column it names,
and read itself only on devices without that one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, model_validator

from collector.config.durations import rule_error
from collector.config.yaml_model import parse_yaml_model
from collector.errors import ConfigError

log = logging.getLogger(__name__)

BUILTIN_DIR = Path(__file__).parent
_OID = re.compile(r"[0-9]+(\.[0-9]+)+")
_MIB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _oid(value: str) -> str:
    if not _OID.fullmatch(value):
        raise rule_error(f"'{value}' is not a numeric OID (e.g. 1.3.6.1.2.1.1.3.0)")
    return value


def _mib_name(value: str) -> str:
    if not _MIB_NAME.fullmatch(value):
        raise rule_error(f"'{value}' is not a metric name (letters, digits and _)")
    return value


Oid = Annotated[str, Strict(), AfterValidator(_oid)]
MibName = Annotated[str, Strict(), AfterValidator(_mib_name)]


class ValueType(StrEnum):
    GAUGE = "gauge"
    COUNTER = "counter"
    TEXT = "text"
    """Exported as ``name{name="<text>"} 1``, like snmp_exporter's DisplayString."""
    MAC = "mac"
    """An interface address, shown as aa:bb:cc:dd:ee:ff."""
    ENUM_INFO = "enum_info"
    """An enumeration, exported as ``name_info{name="<value's name>"} 1`` like snmp_exporter's
    EnumAsInfo; a value without a name in ``enum_values`` shows as its number."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Valued(_Model):
    name: MibName
    oid: Oid
    type: ValueType
    help: str = ""
    enum_values: dict[int, str] | None = None
    """Names of the values of an ``enum_info`` object (IANAifType: 6 is ethernetCsmacd)."""

    @property
    def exported_name(self) -> str:
        """The metric's name: an enumeration's carries snmp_exporter's ``_info``."""
        return f"{self.name}_info" if self.type is ValueType.ENUM_INFO else self.name

    @model_validator(mode="after")
    def _names_for_enumerations_only(self) -> _Valued:
        if (self.type is ValueType.ENUM_INFO) != (self.enum_values is not None):
            raise rule_error(f"{self.name}: enum_values goes with type enum_info, and only "
                             "with it")
        return self


class Scalar(_Valued):
    static: bool = False
    """Read at discovery only (a name or a description), not at every poll."""


class LabelColumn(_Model):
    name: MibName
    oid: Oid


class Column(_Valued):
    low32_of: MibName | None = None
    reread_when_changed: MibName | None = None
    """For a static column: read it again for a row whenever this polled column's value
    changes (ifLastChange moves exactly when ifOperStatus does)."""


class Table(_Model):
    name: MibName
    index: MibName
    labels: tuple[LabelColumn, ...] = ()
    static: tuple[Column, ...] = ()
    columns: tuple[Column, ...] = ()

    @model_validator(mode="after")
    def _derived_from_a_polled_column(self) -> Table:
        polled = {c.name for c in self.columns}
        for column in (*self.static, *self.columns):
            for key in ("low32_of", "reread_when_changed"):
                source = getattr(column, key)
                if source is not None and source not in polled:
                    raise rule_error(
                        f"{column.name}: {key} '{source}' is not a polled column of this table")
        return self


class Profile(_Model):
    name: MibName
    description: str = ""
    scalars: tuple[Scalar, ...] = ()
    tables: tuple[Table, ...] = ()


def load_profile(path: Path) -> Profile:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError([f"{source}: cannot read the file: {err.strerror}"]) from None
    profile = parse_yaml_model(text, source, Profile)
    if profile.name != path.stem:
        raise ConfigError([f"{source}:1: name: '{profile.name}' must match the file name "
                           f"'{path.stem}'"])
    return profile


def load_profiles(extra_dirs: Iterable[Path] = ()) -> dict[str, Profile]:
    """Built-in profiles, then those of `extra_dirs` (a file there overrides a built-in of the
    same name). Raises ConfigError naming every bad file."""
    profiles: dict[str, Profile] = {}
    errors: list[str] = []
    for directory in (BUILTIN_DIR, *extra_dirs):
        if not directory.is_dir():
            errors.append(f"{directory}: not a directory of SNMP profiles")
            continue
        for path in sorted(directory.glob("*.yml")):
            try:
                profile = load_profile(path)
            except ConfigError as err:
                errors.extend(err.errors)
                continue
            if profile.name in profiles:
                log.info("SNMP profile %s from %s replaces the built-in one", profile.name, path)
            profiles[profile.name] = profile
    if errors:
        raise ConfigError(errors)
    return profiles
