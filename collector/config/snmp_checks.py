"""Rules across fields for SNMP: auth references, known profiles, device names, the
interfaces that links name, and poll timing."""

from __future__ import annotations

from collector.config.durations import format_duration
from collector.config.model import CollectorConfig
from collector.config.yaml_model import Loc
from collector.errors import ConfigError


def snmp_problems(config: CollectorConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    known = _known_profiles(config, problems)
    auths = sorted(config.auths)
    devices = {site.name: {d.name: d for d in site.devices} for site in config.sites}
    snmp = config.snmp
    longest_wait = snmp.timeout * (snmp.retries + 1)
    for i, site in enumerate(config.sites):
        seen: dict[str, int] = {}
        for j, device in enumerate(site.devices):
            where: Loc = ("sites", i, "devices", j)
            if device.name in seen:
                problems.append(((*where, "name"), f"'{device.name}' is already used by "
                                 f"sites[{i}].devices[{seen[device.name]}]"))
            seen.setdefault(device.name, j)
            if device.auth not in config.auths:
                defined = ", ".join(auths) if auths else "none; add an auths section"
                problems.append(((*where, "auth"),
                                 f"'{device.auth}' is not defined (defined: {defined})"))
            for k, profile in enumerate(device.profiles):
                if known is not None and profile not in known:
                    problems.append(((*where, "profiles", k), f"'{profile}' is not a known "
                                     f"profile (known: {', '.join(sorted(known))})"))
            if longest_wait >= device.interval:
                relation = "longer than" if longest_wait > device.interval else "as long as"
                problems.append(((*where, "interval"), (
                    f"a poll may wait {format_duration(longest_wait)} (snmp.timeout × "
                    f"(retries + 1)) for one request, {relation} the interval "
                    f"{format_duration(device.interval)}")))
        for j, link in enumerate(site.links):
            if link.interface is None:
                continue
            where = ("sites", i, "links", j, "interface", "device")
            owner = link.interface.site or site.name
            if owner not in devices:
                problems.append((("sites", i, "links", j, "interface", "site"),
                                 f"'{owner}' is not a site"))
                continue
            device = devices[owner].get(link.interface.device)
            if device is None:
                names = ", ".join(sorted(devices[owner])) or "none"
                problems.append((where, f"'{link.interface.device}' is not a device of site "
                                 f"'{owner}' (its devices: {names})"))
            elif "if_mib" not in device.profiles:
                problems.append((where, f"'{link.interface.device}' does not poll the if_mib "
                                 "profile, which reads interface status"))
    return problems


def _known_profiles(config: CollectorConfig,
                    problems: list[tuple[Loc, str]]) -> set[str] | None:
    # Imported here: the profiles are themselves validated with the config loader.
    from collector.snmp.profiles import load_profiles

    try:
        return set(load_profiles(config.snmp.profile_dirs))
    except ConfigError as err:
        problems += [(("snmp", "profile_dirs"), line) for line in err.errors]
        return None
