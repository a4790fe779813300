"""Random packet loss with nftables (``tc netem`` is not available on the machines we test on).

Loss on a link is applied in the child's namespace to packets arriving over the link's child end,
in both the input and the forward hook: every echo request crossing the link toward the child,
whether for the child itself or for a site behind it, is dropped with the given probability, so a
round trip across the link loses that share. Each link has its own chain, flushed on every change,
so a new percentage replaces the old one.
"""

from __future__ import annotations

import json

from .commands import Job, netns_exec, run
from .errors import TestbedError

TABLE = "pantau_testbed"


class LossRules:
    """The nftables state of all namespaces of one testbed."""

    def __init__(self) -> None:
        self._tables: set[str] = set()
        self._chains: set[tuple[str, str]] = set()

    def set(self, netns: str, dev: str, percent: int) -> None:
        """Drop ``percent`` % of the packets that arrive on ``dev`` inside ``netns``."""
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise TestbedError(f"loss must be an integer percentage 0..100, got {percent!r}")
        chain = _chain(dev)
        lines = []
        if netns not in self._tables:
            lines += [
                f"add table inet {TABLE}",
                f"add chain inet {TABLE} input {{ type filter hook input priority filter; }}",
                f"add chain inet {TABLE} forward {{ type filter hook forward priority filter; }}",
            ]
        if (netns, dev) not in self._chains:
            lines += [
                f"add chain inet {TABLE} {chain}",
                f'add rule inet {TABLE} input iifname "{dev}" jump {chain}',
                f'add rule inet {TABLE} forward iifname "{dev}" jump {chain}',
            ]
        lines.append(f"flush chain inet {TABLE} {chain}")
        if percent == 100:
            lines.append(f"add rule inet {TABLE} {chain} counter drop")
        elif percent:
            lines.append(
                f"add rule inet {TABLE} {chain} numgen random mod 100 < {percent} counter drop")
        _nft(netns, lines)
        self._tables.add(netns)
        self._chains.add((netns, dev))

    def clear(self, netns: str, dev: str) -> None:
        """Stop dropping on ``dev``; a link that never had loss is left alone."""
        if (netns, dev) in self._chains:
            _nft(netns, [f"flush chain inet {TABLE} {_chain(dev)}"])


    def dropped(self, netns: str, dev: str) -> int:
        """Packets dropped on ``dev`` since its loss was last set (0 if it never was)."""
        if (netns, dev) not in self._chains:
            return 0
        done = run(Job(netns_exec(netns, ("nft", "-j", "list", "chain", "inet", TABLE,
                                          _chain(dev))), None))
        total = 0
        for item in json.loads(done)["nftables"]:
            for expression in item.get("rule", {}).get("expr", []):
                total += expression.get("counter", {}).get("packets", 0)
        return total


def _chain(dev: str) -> str:
    return f"loss_{dev}"


def _nft(netns: str, lines: list[str]) -> None:
    """One ``nft -f`` transaction: all lines apply, or none do."""
    run(Job(netns_exec(netns, ("nft", "-f", "-")), "".join(f"{line}\n" for line in lines)))
