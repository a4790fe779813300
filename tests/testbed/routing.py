"""Static routes for every testbed namespace, computed from the link graph.

Each namespace gets, for each prefix it is not attached to, one route through each neighbour from
which that prefix can be reached without passing back through the namespace itself, along paths
that go up the tree and then down, never down and up again: a site does not carry traffic between
its parents, so cutting a parent's link really cuts the children that hang only on it. A link's
/30 is reached through the link's parent, as a radio at the far end of a link answers only over
that link. The metric is the hop count, so the shortest path is primary and the others take over
when a link goes down
(``ip link set down`` deletes the routes through that device, and ``ignore_routes_with_linkdown``
makes the peer's routes through a carrier-less veth inactive). Routes of equal hop count get
consecutive metrics so that each stays installed rather than replacing the other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from .plan import COLLECTOR_NET, NOC, HostBlock, Link, Node, Topology


@dataclass(frozen=True)
class Destination:
    """A prefix and the nodes it is attached to (connected there, or local)."""

    network: IPv4Network
    attached: frozenset[Node]
    reached_at: frozenset[Node]


@dataclass(frozen=True)
class Route:
    network: IPv4Network
    gateway: IPv4Address
    dev: str
    metric: int
    link: int  # index of the link the route leaves through

    def command(self) -> str:
        """The line for ``ip -batch``; ``replace`` so that re-applying is harmless."""
        return (f"route replace {self.network} via {self.gateway} dev {self.dev} "
                f"metric {self.metric}")


@dataclass(frozen=True)
class _Edge:
    link: Link
    neighbour: Node
    gateway: IPv4Address
    dev: str
    down: bool  # from a parent to its child


def destinations(topology: Topology) -> list[Destination]:
    """The collector's /30, every link /30 and every host block."""
    found = [Destination(COLLECTOR_NET, frozenset({NOC}), frozenset({NOC}))]
    found += [Destination(link.network, frozenset({link.parent, link.site}),
                          frozenset({link.parent}))
              for link in topology.links]
    return found + block_destinations(topology.blocks)


def block_destinations(blocks: Iterable[HostBlock]) -> list[Destination]:
    return [Destination(block.network, frozenset({block.site}), frozenset({block.site}))
            for block in blocks]


def plan_routes(topology: Topology, wanted: Sequence[Destination]) -> dict[Node, list[Route]]:
    """Routes to ``wanted`` for the noc router and every site, keyed by node."""
    adjacency = _adjacency(topology)
    plan: dict[Node, list[Route]] = {}
    for node in (NOC, *topology.sites):
        reach = [(edge, _hops(adjacency, edge, avoid=node)) for edge in adjacency[node]]
        routes: list[Route] = []
        for destination in wanted:
            if node in destination.attached:
                continue
            candidates = []
            for order, (edge, hops) in enumerate(reach):
                known = [hops[end] for end in destination.reached_at if end in hops]
                if known:
                    candidates.append((1 + min(known), order, edge))
            metric = 0
            for distance, _, edge in sorted(candidates, key=lambda item: item[:2]):
                metric = max(distance, metric + 1)
                routes.append(Route(destination.network, edge.gateway, edge.dev, metric,
                                    edge.link.index))
        plan[node] = routes
    return plan


def _adjacency(topology: Topology) -> dict[Node, list[_Edge]]:
    adjacency: dict[Node, list[_Edge]] = {NOC: [], **{name: [] for name in topology.sites}}
    for link in topology.links:
        adjacency[link.parent].append(
            _Edge(link, link.site, link.child_address, link.parent_dev, down=True))
        adjacency[link.site].append(
            _Edge(link, link.parent, link.parent_address, link.child_dev, down=False))
    return adjacency


def _hops(adjacency: dict[Node, list[_Edge]], first: _Edge, avoid: Node) -> dict[Node, int]:
    """Hop counts from the far end of ``first`` to every node reached up-then-down,
    without entering ``avoid``."""
    start = (first.neighbour, first.down)
    hops: dict[tuple[Node, bool], int] = {start: 0}
    queue = deque([start])
    while queue:
        node, went_down = queue.popleft()
        for edge in adjacency[node]:
            if edge.neighbour == avoid or (went_down and not edge.down):
                continue
            state = (edge.neighbour, edge.down)
            if state not in hops:
                hops[state] = hops[(node, went_down)] + 1
                queue.append(state)
    best: dict[Node, int] = {}
    for (node, _), count in hops.items():
        best[node] = min(count, best.get(node, count))
    return best
