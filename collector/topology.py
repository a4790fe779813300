"""The site tree, built once from the config: every question about who hangs behind whom.

Sites reach the collector through links to parent sites (no parent: reached directly). The
store settles states parents first, alerting and the status page find the cut a site hangs
behind, and the SNMP side finds the links that ride a device's interface. They all ask this
one object, so the tree is walked in one place.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from collector.config import CollectorConfig, Link, Site


class Topology:
    def __init__(self, config: CollectorConfig) -> None:
        self._sites = {site.name: site for site in config.sites}
        self.order: tuple[Site, ...] = tuple(_parents_first(config.sites))
        """Every site after all of its parents: one pass settles the whole tree."""
        self._parents = {site.name: tuple(dict.fromkeys(
            link.parent for link in site.links if link.parent is not None))
            for site in config.sites}
        self._carried: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for site in config.sites:
            for link in site.links:
                if link.interface is not None:
                    owner = (link.interface.site or site.name, link.interface.device)
                    self._carried.setdefault(owner, []).append(
                        (site.name, link.name, link.interface.name))

    def site(self, name: str) -> Site:
        return self._sites[name]

    def title(self, name: str) -> str:
        return self._sites[name].title

    def names(self) -> Iterable[str]:
        return self._sites.keys()

    def parents(self, name: str) -> tuple[str, ...]:
        """The sites ``name`` is reached through, each once, in the order of its links."""
        return self._parents[name]

    def single_link(self, name: str) -> bool:
        """A site with one link: the link's story is the site's."""
        return len(self._sites[name].links) == 1

    def links(self, name: str) -> tuple[Link, ...]:
        return self._sites[name].links

    def cut_above(self, name: str, is_down: Callable[[str], bool]) -> str | None:
        """The nearest site above ``name`` for which ``is_down`` holds: the cut it hangs
        behind, found breadth first (the closest failure explains it)."""
        seen: set[str] = set()
        frontier = deque(self._parents.get(name, ()))
        while frontier:
            parent = frontier.popleft()
            if parent in seen:
                continue
            seen.add(parent)
            if is_down(parent):
                return parent
            frontier.extend(self._parents.get(parent, ()))
        return None

    def carried_by(self, site: str, device: str) -> list[tuple[str, str, str]]:
        """The links whose state the device's interfaces report: (site, link, interface)."""
        return self._carried.get((site, device), [])


def _parents_first(sites: tuple[Site, ...]) -> list[Site]:
    by_name = {s.name: s for s in sites}
    ordered: list[Site] = []
    placed: set[str] = set()

    def place(site: Site) -> None:
        if site.name in placed:
            return
        placed.add(site.name)
        for link in site.links:
            if link.parent is not None:
                place(by_name[link.parent])
        ordered.append(site)

    for site in sites:
        place(site)
    return ordered
