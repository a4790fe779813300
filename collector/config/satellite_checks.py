"""Rules across fields for satellites: each site's satellite defined, names unique, a
satellite's config without satellites of its own, and what satellites do not carry yet."""

from __future__ import annotations

from collector.config.model import CollectorConfig
from collector.config.yaml_model import Loc


def satellite_problems(config: CollectorConfig) -> list[tuple[Loc, str]]:
    """A site's satellite is defined; satellites carry ping rounds so far, so a satellite's
    site has no devices or services yet; a satellite (`core` set) has no satellites itself."""
    problems: list[tuple[Loc, str]] = []
    names = [client.name for client in config.satellites.clients]
    seen: dict[str, int] = {}
    for i, client in enumerate(config.satellites.clients):
        if client.name in seen:
            problems.append((("satellites", "clients", i, "name"),
                             f"'{client.name}' is already used by satellites.clients"
                             f"[{seen[client.name]}]"))
        seen.setdefault(client.name, i)
    for i, site in enumerate(config.sites):
        if site.satellite is None:
            continue
        where: Loc = ("sites", i, "satellite")
        if config.core is not None:
            problems.append((where, "a satellite's own sites are probed by it: no satellite "
                             "here"))
        elif site.satellite not in names:
            problems.append((where, f"'{site.satellite}' is not defined (defined: "
                             f"{', '.join(names) or 'none, in satellites.clients'})"))
        for part in ("devices", "services"):
            if getattr(site, part):
                problems.append((("sites", i, part), f"a site probed by a satellite has no "
                                 f"{part} yet (satellites send ping rounds)"))
    if config.core is not None:
        for i, site in enumerate(config.sites):
            for part in ("devices", "services"):
                if getattr(site, part):
                    problems.append((("sites", i, part), f"a satellite sends ping rounds so "
                                     f"far: no {part} here yet"))
    if config.core is not None and config.satellites.clients:
        problems.append((("satellites",), "a satellite (core is set) has no satellites of "
                         "its own"))
    return problems
