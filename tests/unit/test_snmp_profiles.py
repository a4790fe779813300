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
        for table in profile.tables:
            base = {"site", "device", table.index, *(label.name for label in table.labels)}
            for column in (*table.static, *table.columns):
                rows[column.exported_name] = (kind_of(column), name, base | text_label(column))
        for scalar in profile.scalars:
            rows[scalar.exported_name] = (kind_of(scalar), name,
                                          {"site", "device", *text_label(scalar)})
    return rows


def kind_of(item) -> str:
    return "untyped" if item.type is ValueType.COUNTER else "gauge"


def text_label(item) -> set[str]:
    shown = (ValueType.TEXT, ValueType.MAC, ValueType.ENUM_INFO)
    return {item.name} if item.type in shown else set()


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


def test_if_type_is_shown_by_its_iana_name_as_snmp_exporter_does():
    if_type = next(c for c in load_profiles()["if_mib"].tables[0].static if c.name == "ifType")
    assert if_type.type is ValueType.ENUM_INFO
    assert if_type.enum_values[6] == "ethernetCsmacd"
    assert if_type.enum_values[71] == "ieee80211"
    assert if_type.enum_values[24] == "softwareLoopback"


@pytest.mark.parametrize("column, rule", [
    ("{name: t, oid: 1.3.6.1.2.1.2.2.1.3, type: enum_info}",
     "t: enum_values goes with type enum_info, and only with it"),
    ("{name: t, oid: 1.3.6.1.2.1.2.2.1.3, type: gauge, enum_values: {1: up}}",
     "t: enum_values goes with type enum_info, and only with it"),
])
def test_enum_values_and_enum_info_come_together(tmp_path, column, rule):
    (tmp_path / "odd.yml").write_text(f"name: odd\nscalars:\n  - {column}\n")
    with pytest.raises(ConfigError) as caught:
        load_profiles([tmp_path])
    assert caught.value.errors == [f"{tmp_path / 'odd.yml'}:3: scalars[0]: {rule}"]
