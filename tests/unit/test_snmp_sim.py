"""The pass_persist simulator's table and protocol, over in-memory pipes and a fake clock."""

from __future__ import annotations

import io

import pytest

from tests.support.snmp_sim import OidTable, SpecError, entry_from_spec, parse_oid, serve
from tests.support.wireless_devices import (
    MIKROTIK_AP,
    MIKROTIK_PROFILE,
    MIKROTIK_STATION,
    UBIQUITI_PROFILE,
    UBIQUITI_STATION,
    device_spec,
    profile_oids,
)

pytestmark = pytest.mark.unit


def converse(spec: dict, *requests: str, clock=None) -> list[str]:
    replies = io.StringIO()
    serve(OidTable.from_spec(spec), io.StringIO("".join(f"{r}\n" for r in requests)), replies,
          clock or (lambda: 100.0))
    return replies.getvalue().splitlines()


ORDERED = ["1.3.6.1.2", "1.3.6.1.2.1", "1.3.6.1.2.9", "1.3.6.1.2.10", "1.3.6.1.10"]
TABLE_SPEC = {oid: {"type": "integer", "value": n} for n, oid in enumerate(reversed(ORDERED))}


@pytest.mark.parametrize(("after", "expected"), [
    ("1", "1.3.6.1.2"),
    ("1.3.6.1.2", "1.3.6.1.2.1"),
    ("1.3.6.1.2.1", "1.3.6.1.2.9"),
    ("1.3.6.1.2.1.5", "1.3.6.1.2.9"),
    ("1.3.6.1.2.9", "1.3.6.1.2.10"),
    ("1.3.6.1.2.10", "1.3.6.1.10"),
    ("1.3.6.1.3", "1.3.6.1.10"),
    ("1.3.6.1.10", None),
])
def test_getnext_orders_arcs_as_integers(after, expected):
    found = OidTable.from_spec(TABLE_SPEC).next_after(parse_oid(after))
    assert (found and ".".join(map(str, found.oid))) == expected


def test_protocol_ping_get_getnext_set_and_exit_on_empty_line():
    spec = {"1.3.6.1.4.1.9.1.0": {"type": "string", "value": "radio one"},
            "1.3.6.1.4.1.9.2.0": {"type": "gauge", "value": 7}}
    assert converse(spec, "PING", "get", ".1.3.6.1.4.1.9.1.0", "getnext", ".1.3.6.1.4.1.9.1.0",
                    "get", ".1.3.6.1.4.1.9.3.0", "getnext", ".1.3.6.1.4.1.9.2.0",
                    "set", ".1.3.6.1.4.1.9.2.0", "gauge 5", "", "PING") == [
        "PONG",
        ".1.3.6.1.4.1.9.1.0", "string", "radio one",
        ".1.3.6.1.4.1.9.2.0", "gauge", "7",
        "NONE",
        "NONE",
        "not-writable",
    ]


def test_eof_ends_the_conversation():
    assert converse({"1.3": {"type": "integer", "value": 1}}, "PING") == ["PONG"]


def test_value_fades_with_time_and_stops_at_the_floor():
    oid = "1.3.6.1.4.1.14988.1.1.1.1.1.4.7"
    spec = {oid: {"type": "integer", "value": -55, "fade_per_second": -2.0, "floor": -95}}
    # serve() reads the clock once at its start, then once per answer.
    times = iter([100.0, 100.0, 105.0, 160.0])
    lines = converse(spec, "get", oid, "get", oid, "get", oid, clock=lambda: next(times))
    assert lines[2::3] == ["-55", "-65", "-95"]


@pytest.mark.parametrize(("kind", "value", "fade", "seconds", "wire"), [
    ("counter32", 2**32 - 10, 5.0, 4, "10"),
    ("counter64", 2**64 - 1, 1.0, 1, "0"),
    ("gauge", 3, -1.0, 10, "0"),
    ("timeticks", 0, 100.0, 2.5, "250"),
    ("integer", 2**31 - 2, 1.0, 10, str(2**31 - 1)),
])
def test_numeric_types_wrap_or_saturate_like_snmp(kind, value, fade, seconds, wire):
    entry = entry_from_spec("1.3", {"type": kind, "value": value, "fade_per_second": fade})
    assert entry.wire_value(seconds) == wire


def test_octet_values_go_out_as_spaced_hex():
    entry = entry_from_spec("1.3", {"type": "octet", "value": "4c:5e:0c:12:34:56"})
    assert entry.wire_value(0) == "4C 5E 0C 12 34 56"


@pytest.mark.parametrize(("fields", "message"), [
    ({"type": "float", "value": 1}, "type 'float' is not one of"),
    ({"type": "integer"}, "no value"),
    ({"type": "integer", "value": "x"}, "is a number"),
    ({"type": "string", "value": "a", "fade_per_second": 1}, "only apply to numeric"),
    ({"type": "string", "value": "two\nlines"}, "one line of text"),
    ({"type": "octet", "value": "zz"}, "is not hex"),
    ({"type": "integer", "value": 1, "fade": 1}, "unknown keys ['fade']"),
])
def test_bad_spec_entries_name_the_oid_and_the_rule(fields, message):
    with pytest.raises(SpecError, match=r"^1\.3\.6: ") as raised:
        entry_from_spec("1.3.6", fields)
    assert message in str(raised.value)


def test_duplicate_oids_are_refused():
    with pytest.raises(SpecError, match="given twice"):
        OidTable.from_spec({"1.3.6": {"type": "integer", "value": 1},
                            ".1.3.6": {"type": "integer", "value": 2}})


@pytest.mark.parametrize(("profile", "values"), [
    (MIKROTIK_PROFILE, MIKROTIK_STATION | MIKROTIK_AP),
    (UBIQUITI_PROFILE, UBIQUITI_STATION),
])
def test_device_values_cover_every_table_object_of_the_profile(profile, values):
    assert set(values) == set(profile_oids(profile))
    spec = device_spec(profile, values, index=3)
    assert all(oid.endswith(".3") for oid in spec)
    OidTable.from_spec(spec)


def test_a_value_for_an_object_the_profile_lacks_is_an_error():
    with pytest.raises(KeyError, match="mtxrWlStatBand"):
        device_spec(MIKROTIK_PROFILE, {"mtxrWlStatBand": ("string", "5ghz-a/n")}, index=1)
