"""The declared network and its addressing plan: pure data, no I/O.

Sites are nodes and links are edges. The hidden noc router is node ``None``: links declared with
``parent=None`` start there, and the collector in the root namespace reaches everything through
it. Addresses (all inside 198.18.0.0/15, the range set aside for benchmarking):

- 198.18.0.0/30 joins the root namespace (.1, the collector) and the noc router (.2);
- link ``i`` owns the /30 at 198.18.1.0 + 4*i: parent end .1, child end .2 (the ping target);
- host-address blocks are cut from 198.19.0.0/16, each aligned to its power-of-two size.

Names carry the creating pid so that leftovers of a killed run can be recognised and swept:
namespaces ``ptb-<pid>-<n>`` (noc n=0, sites from 1), interfaces ``ptb<pid hex>...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from .errors import TestbedError

TESTBED_NET = IPv4Network("198.18.0.0/15")
COLLECTOR_NET = IPv4Network("198.18.0.0/30")
COLLECTOR_ADDRESS = COLLECTOR_NET[1]
NOC_ADDRESS = COLLECTOR_NET[2]
FIRST_LINK_NET = IPv4Network("198.18.1.0/30")
LINK_SPACE = IPv4Network("198.18.0.0/16")
HOST_SPACE = IPv4Network("198.19.0.0/16")
MAX_LINKS = (LINK_SPACE.num_addresses - 256) // 4
IFNAMSIZ = 15  # longest interface name Linux accepts

NOC: None = None
Node = str | None
"""A site name, or ``None`` for the noc router."""


@dataclass(frozen=True)
class Names:
    """Namespace and interface names of the testbed built by process ``pid``."""

    pid: int

    def netns(self, index: int) -> str:
        return f"ptb-{self.pid}-{index}"

    @property
    def root_dev(self) -> str:
        return self._dev("r")

    @property
    def noc_dev(self) -> str:
        return self._dev("n")

    def link_dev(self, link_index: int, end: str) -> str:
        return self._dev(f"l{link_index:x}{end}")

    def _dev(self, suffix: str) -> str:
        name = f"ptb{self.pid:x}{suffix}"
        if len(name) > IFNAMSIZ:
            raise TestbedError(f"interface name {name!r} is longer than {IFNAMSIZ} characters")
        return name


@dataclass(frozen=True)
class Site:
    name: str
    index: int
    netns: str


@dataclass(frozen=True)
class Link:
    """A veth pair: ``parent_dev`` in the parent's namespace, ``child_dev`` in the site's."""

    index: int
    site: str
    name: str
    parent: str | None
    kind: str
    network: IPv4Network
    parent_dev: str
    child_dev: str

    @property
    def parent_address(self) -> IPv4Address:
        return self.network[1]

    @property
    def child_address(self) -> IPv4Address:
        return self.network[2]

    def ends(self) -> tuple[tuple[Node, str, IPv4Address], tuple[Node, str, IPv4Address]]:
        """``(node, device, address)`` of the parent end, then of the child end."""
        return ((self.parent, self.parent_dev, self.parent_address),
                (self.site, self.child_dev, self.child_address))


@dataclass(frozen=True)
class HostBlock:
    """Extra addresses on the loopback of ``site``, routed as one prefix."""

    site: str
    network: IPv4Network
    addresses: tuple[IPv4Address, ...]


class Topology:
    """Sites, links and host blocks in declaration order, with their names and addresses."""

    def __init__(self, pid: int) -> None:
        self.names = Names(pid)
        self.sites: dict[str, Site] = {}
        self.links: list[Link] = []
        self.blocks: list[HostBlock] = []
        self._next_host = 0

    @property
    def noc_netns(self) -> str:
        return self.names.netns(0)

    def netns_of(self, node: Node) -> str:
        return self.noc_netns if node is NOC else self.site(node).netns

    def add_site(self, name: str) -> Site:
        if not isinstance(name, str) or not name:
            raise TestbedError(f"site name must be a non-empty string, got {name!r}")
        if name in self.sites:
            raise TestbedError(f"site {name!r} is already declared")
        site = Site(name, len(self.sites) + 1, self.names.netns(len(self.sites) + 1))
        self.sites[name] = site
        return site

    def add_link(self, site: str, name: str, parent: str | None, kind: str) -> Link:
        where = f"link {site!r}/{name!r}"
        self.site(site)
        if parent is not None and parent not in self.sites:
            raise TestbedError(f"{where}: parent {parent!r} is not a declared site "
                               f"(declared: {', '.join(self.sites)})")
        if parent == site:
            raise TestbedError(f"{where}: a site cannot be its own parent")
        if not name or any(link.site == site and link.name == name for link in self.links):
            raise TestbedError(f"{where}: link names must be non-empty and unique per site")
        if not isinstance(kind, str) or not kind:
            raise TestbedError(f"{where}: kind must be a non-empty string, got {kind!r}")
        index = len(self.links)
        if index >= MAX_LINKS:
            raise TestbedError(f"{where}: more than {MAX_LINKS} links do not fit 198.18.0.0/16")
        network = IPv4Network((int(FIRST_LINK_NET.network_address) + 4 * index, 30))
        link = Link(index, site, name, parent, kind, network,
                    self.names.link_dev(index, "p"), self.names.link_dev(index, "c"))
        self.links.append(link)
        return link

    def add_block(self, site: str, count: int) -> HostBlock:
        """Reserve ``count`` host addresses for ``site`` in the next free aligned block."""
        self.site(site)
        if not isinstance(count, int) or count < 1:
            raise TestbedError(f"host address count must be a positive integer, got {count!r}")
        prefix = 32 - (count - 1).bit_length()
        size = 1 << (32 - prefix)
        start = -(-self._next_host // size) * size
        if start + size > HOST_SPACE.num_addresses:
            raise TestbedError(f"{count} more host addresses do not fit {HOST_SPACE}")
        network = IPv4Network((int(HOST_SPACE.network_address) + start, prefix))
        addresses = tuple(network.network_address + offset for offset in range(count))
        self._next_host = start + size
        block = HostBlock(site, network, addresses)
        self.blocks.append(block)
        return block

    def site(self, name: str) -> Site:
        try:
            return self.sites[name]
        except KeyError:
            raise TestbedError(f"site {name!r} is not declared "
                               f"(declared: {', '.join(self.sites) or 'none'})") from None

    def link(self, site: str, name: str) -> Link:
        self.site(site)
        for link in self.links:
            if link.site == site and link.name == name:
                return link
        names = ", ".join(link.name for link in self.links if link.site == site) or "none"
        raise TestbedError(f"site {site!r} has no link {name!r} (its links: {names})")

    def check_complete(self) -> None:
        """Every site must have a link, and a path of links up to the noc router."""
        if not self.sites:
            raise TestbedError("no site declared")
        reached: set[Node] = {NOC}
        for _ in range(len(self.links) + 1):
            grown = {end for link in self.links for end in (link.site, link.parent)
                     if link.site in reached or link.parent in reached}
            if grown <= reached:
                break
            reached |= grown
        cut_off = [name for name in self.sites if name not in reached]
        if cut_off:
            raise TestbedError(f"sites without a path of links to the collector: "
                               f"{', '.join(cut_off)} (each needs a link to a site that has "
                               f"one, or parent=None)")

    def config_sites(self) -> list[dict[str, object]]:
        """Sites and links in the shape of the collector configuration's ``sites`` list."""
        result: list[dict[str, object]] = []
        for site in self.sites.values():
            links: list[dict[str, object]] = []
            for link in self.links:
                if link.site != site.name:
                    continue
                entry: dict[str, object] = {"name": link.name, "kind": link.kind}
                if link.parent is not None:
                    entry["parent"] = link.parent
                entry["targets"] = [str(link.child_address)]
                links.append(entry)
            result.append({"name": site.name, "links": links})
        return result
