"""The built-in SNMP profiles: they load, and the metric catalogue lists exactly their objects."""

import re
from pathlib import Path

import pytest

from collector.errors import ConfigError
from collector.snmp.profiles import ValueType, load_profiles

pytestmark = pytest.mark.unit

CATALOGUE = Path(__file__).parents[2] / "docs" / "metrics.md"


def catalogued() -> dict[str, tuple[str, str, set[str]]]:
    _, _, section = CATALOGUE.read_text().partition("## SNMP objects")
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\w+)` \| (\w+) \| (\w+) \| ([^|]*) \|", line)
        if match:
            name, kind, profile, labels = match.groups()
            rows[name] = (kind, profile, {x.strip() for x in labels.split(",")})
    return rows


def from_profiles() -> dict[str, tuple[str, str, set[str]]]:
    rows = {}
    for name, profile in load_profiles().items():
        for scalar in profile.scalars:
            text = [scalar.name] if scalar.type in (ValueType.TEXT, ValueType.MAC) else []
            kind = "untyped" if scalar.type is ValueType.COUNTER else "gauge"
            rows[scalar.name] = (kind, name, {"site", "device", *text})
        for table in profile.tables:
            base = {"site", "device", table.index, *(label.name for label in table.labels)}
            for column in (*table.static, *table.columns):
                text = [column.name] if column.type in (ValueType.TEXT, ValueType.MAC) else []
                kind = "untyped" if column.type is ValueType.COUNTER else "gauge"
                rows[column.name] = (kind, name, base | set(text))
    return rows


def test_catalogue_lists_exactly_the_objects_of_the_builtin_profiles():
    assert catalogued() == from_profiles()


def test_builtin_profiles_include_the_vendor_ones():
    assert {"system", "if_mib", "mikrotik_wireless", "ubiquiti_airmax"} <= set(load_profiles())


def test_a_user_profile_directory_adds_and_reports_bad_files(tmp_path):
    (tmp_path / "ups.yml").write_text(
        "name: ups\nscalars:\n  - {name: upsBatteryCharge, oid: 1.3.6.1.2.1.33.1.2.4.0, "
        "type: gauge}\n")
    assert load_profiles([tmp_path])["ups"].scalars[0].name == "upsBatteryCharge"
    bad = tmp_path / "broken.yml"
    bad.write_text("name: broken\nscalars:\n  - {name: x, oid: not.an.oid, type: gauge}\n")
    with pytest.raises(ConfigError) as caught:
        load_profiles([tmp_path])
    assert caught.value.errors == [
        f"{bad}:3: scalars[0].oid: 'not.an.oid' is not a numeric OID (e.g. 1.3.6.1.2.1.1.3.0)"]


def test_profile_name_must_match_its_file(tmp_path):
    (tmp_path / "a.yml").write_text("name: b\n")
    with pytest.raises(ConfigError, match="must match the file name 'a'"):
        load_profiles([tmp_path])
