"""Specs for ``tests.support.snmp_sim``: wireless radios whose signal fades, built from the
vendor profiles' own OIDs so that a test of a profile cannot drift from the profile.

    spec = mikrotik_station_spec(index=7)
    agent = SnmpAgent(..., pass_persist=[(MIKROTIK_PREFIX, sim_argv(write_spec(spec, path)))])
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

PROFILE_DIR = Path(__file__).resolve().parents[2] / "collector" / "snmp" / "profiles"
MIKROTIK_PROFILE = PROFILE_DIR / "mikrotik_wireless.yml"
UBIQUITI_PROFILE = PROFILE_DIR / "ubiquiti_airmax.yml"

# The enterprise subtrees to hand to pass_persist.
MIKROTIK_PREFIX = "1.3.6.1.4.1.14988"
UBIQUITI_PREFIX = "1.3.6.1.4.1.41112"

# Per object: the SNMP type the MIB declares, and a value a healthy link shows.
MIKROTIK_STATION: dict[str, tuple[str, Any]] = {
    "mtxrWlStatSsid": ("string", "pantau-backhaul"),
    "mtxrWlStatFreq": ("integer", 5180),
    "mtxrWlStatStrength": ("integer", -55),
    "mtxrWlStatTxRate": ("gauge", 130_000_000),
    "mtxrWlStatRxRate": ("gauge", 117_000_000),
    "mtxrWlStatTxCCQ": ("counter32", 92),
    "mtxrWlStatRxCCQ": ("counter32", 88),
}
MIKROTIK_AP: dict[str, tuple[str, Any]] = {
    "mtxrWlApSsid": ("string", "pantau-hotspot"),
    "mtxrWlApFreq": ("integer", 2437),
    "mtxrWlApClientCount": ("counter32", 14),
    "mtxrWlApNoiseFloor": ("integer", -104),
    "mtxrWlApOverallTxCCQ": ("counter32", 81),
    "mtxrWlApTxRate": ("gauge", 72_200_000),
    "mtxrWlApRxRate": ("gauge", 65_000_000),
}
UBIQUITI_STATION: dict[str, tuple[str, Any]] = {
    "ubntWlStatSsid": ("string", "pantau-ptp"),
    "ubntWlStatSignal": ("integer", -58),
    "ubntWlStatRssi": ("integer", 38),
    "ubntWlStatCcq": ("integer", 95),
    "ubntWlStatNoiseFloor": ("integer", -96),
    "ubntWlStatTxRate": ("integer", 144_400_000),
    "ubntWlStatRxRate": ("integer", 130_000_000),
    "ubntWlStatStaCount": ("gauge", 1),
    "ubntRadioFreq": ("integer", 5745),
    "ubntRadioTxPower": ("integer", 22),
}


def profile_oids(profile: Path) -> dict[str, str]:
    """Object name → OID (column OID for table objects, instance OID for scalars)."""
    data = yaml.safe_load(profile.read_text())
    oids = {item["name"]: str(item["oid"]) for item in data.get("scalars") or ()}
    for table in data.get("tables") or ():
        for part in ("labels", "static", "columns"):
            oids.update({item["name"]: str(item["oid"]) for item in table.get(part) or ()})
    return oids


def device_spec(profile: Path, values: Mapping[str, tuple[str, Any]], index: int,
                fading: Mapping[str, tuple[float, float]] | None = None) -> dict[str, dict]:
    """A snmp_sim spec: one row at ``index`` of every table object named in ``values``.

    ``fading`` maps object names to ``(fade_per_second, floor)``. Raises KeyError naming any
    object the profile does not have.
    """
    oids = profile_oids(profile)
    missing = sorted(set(values) - set(oids))
    if missing:
        raise KeyError(f"{profile.name} has no objects {missing}")
    spec: dict[str, dict] = {}
    for name, (kind, value) in values.items():
        entry: dict[str, Any] = {"type": kind, "value": value}
        if fading and name in fading:
            entry["fade_per_second"], entry["floor"] = fading[name]
        spec[f"{oids[name]}.{index}"] = entry
    return spec


def mikrotik_station_spec(index: int = 7, fade_per_second: float = -2.0,
                          floor: float = -95) -> dict[str, dict]:
    """A RouterOS station whose mtxrWlStatStrength falls from -55 dBm toward ``floor``."""
    return device_spec(MIKROTIK_PROFILE, MIKROTIK_STATION, index,
                       {"mtxrWlStatStrength": (fade_per_second, floor)})


def mikrotik_ap_spec(index: int = 7) -> dict[str, dict]:
    """A RouterOS access point with 14 clients and a steady noise floor."""
    return device_spec(MIKROTIK_PROFILE, MIKROTIK_AP, index)


def ubiquiti_station_spec(index: int = 7, fade_per_second: float = -2.0,
                          floor: float = -95) -> dict[str, dict]:
    """An airMAX station whose ubntWlStatSignal falls from -58 dBm toward ``floor``."""
    return device_spec(UBIQUITI_PROFILE, UBIQUITI_STATION, index,
                       {"ubntWlStatSignal": (fade_per_second, floor)})


def write_spec(spec: Mapping[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(spec, indent=1, sort_keys=True))
    return path


def sim_argv(spec_path: Path) -> list[str]:
    """The pass_persist command serving ``spec_path`` (SnmpAgent puts the repository on the
    simulator's import path)."""
    return [sys.executable, "-m", "tests.support.snmp_sim", str(spec_path)]
