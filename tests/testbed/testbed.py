"""The Testbed: a monitored network of sites and links, built as network namespaces."""

from __future__ import annotations

import atexit
import enum
import os
import shlex
import subprocess
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from . import netns, rootns
from .commands import ip_batch, netns_exec, run_all
from .errors import TestbedError
from .loss import LossRules
from .plan import COLLECTOR_ADDRESS, NOC, HostBlock, Link, Node, Topology
from .processes import ProcessGroup
from .routing import Route, block_destinations, destinations, plan_routes


class _State(enum.Enum):
    DECLARING = "declaring"
    RUNNING = "running"
    CLOSED = "closed"


class Testbed:
    """Sites as network namespaces, links as veth pairs, the collector in the root namespace.

    Declare sites and links, then ``start()``; ``close()`` (or leaving the ``with`` block, or
    interpreter exit) removes everything again, also after a failed start. Addresses are fixed at
    declaration, so ``target()`` and ``config_sites()`` work before ``start()``. Only one
    testbed runs on a machine at a time: ``start()`` waits up to ``lock_timeout`` seconds for
    another to close. Processes from ``popen()`` get ``kill_grace`` seconds between SIGTERM and
    SIGKILL at close.
    """

    __test__ = False  # keep pytest from collecting it as a test class

    def __init__(self, *, lock_path: str = rootns.LOCK_PATH, lock_timeout: float = 120.0,
                 kill_grace: float = 5.0) -> None:
        self._topology = Topology(os.getpid())
        self._lock = rootns.MachineLock(lock_path)
        self._lock_timeout = lock_timeout
        self._processes = ProcessGroup(kill_grace)
        self._loss = LossRules()
        self._cut: set[int] = set()
        self._uplink_added = False
        self._state = _State.DECLARING

    def __enter__(self) -> Testbed:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            self.close()
        except TestbedError as failure:
            if exc is None:
                raise
            exc.add_note(f"and the testbed teardown failed too: {failure}")

    # -- declaring -------------------------------------------------------------------------

    def add_site(self, name: str) -> None:
        self._require(_State.DECLARING, "add_site")
        self._topology.add_site(name)

    def add_link(self, site: str, name: str, parent: str | None, kind: str) -> None:
        """Join ``site`` to ``parent`` (None: to the noc router, straight from the collector)."""
        self._require(_State.DECLARING, "add_link")
        self._topology.add_link(site, name, parent, kind)

    def add_host_addresses(self, site: str, count: int) -> list[str]:
        """``count`` more addresses from 198.19.0.0/16 inside ``site``, routed like the site.

        Before ``start()`` they are built with everything else; afterwards they are added at once.
        """
        if self._state is _State.CLOSED:
            raise TestbedError("add_host_addresses() after close()")
        block = self._topology.add_block(site, count)
        if self._state is _State.RUNNING:
            self._add_block(block)
        return [str(address) for address in block.addresses]

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Build the network; on failure remove what was built and raise TestbedError."""
        self._require(_State.DECLARING, "start")
        self._topology.check_complete()
        self._lock.acquire(self._lock_timeout)
        self._state = _State.RUNNING
        atexit.register(self.close)
        try:
            leftovers = rootns.sweep_stale(self._topology.names.pid)
            if leftovers:
                raise TestbedError("could not remove what an earlier testbed left behind:\n"
                                   + "\n".join(leftovers))
            rootns.ensure_unused()
            self._build()
        except BaseException as exc:
            try:
                self.close()
            except TestbedError as failure:
                exc.add_note(f"and removing the half-built testbed failed too: {failure}")
            raise

    def close(self) -> None:
        """Stop tracked processes and remove namespaces, veths and routes. Idempotent."""
        if self._state is _State.CLOSED:
            return
        was_running = self._state is _State.RUNNING
        self._state = _State.CLOSED
        atexit.unregister(self.close)
        if not was_running:
            return
        try:
            failures = self._processes.stop_all()
            if self._uplink_added:
                failures += rootns.remove_uplink(self._topology.names)
            failures += netns.delete(self._namespaces())
            if self._uplink_added:
                failures += rootns.remove_guard()
        finally:
            self._lock.release()
        if failures:
            raise TestbedError("testbed teardown incomplete:\n" + "\n".join(failures))

    # -- what the collector needs ----------------------------------------------------------

    @property
    def collector_address(self) -> str:
        """The root-namespace address the collector's pings leave from."""
        return str(COLLECTOR_ADDRESS)

    def target(self, site: str, link: str) -> str:
        """The child-end address of ``link`` of ``site``: what the collector pings."""
        return str(self._topology.link(site, link).child_address)

    def config_sites(self) -> list[dict[str, object]]:
        """``[{"name", "links": [{"name", "kind", "parent"?, "targets"}]}]`` in declaration order.

        ``parent`` is left out for links reached straight from the collector.
        """
        return self._topology.config_sites()

    def interface(self, site: str, link: str, end: str = "parent") -> str:
        """The veth device of ``link`` of ``site`` at its ``parent`` or ``child`` end: the
        interface name (ifName) an snmpd in that namespace reports for it."""
        found = self._topology.link(site, link)
        return found.parent_dev if end == "parent" else found.child_dev

    def netns(self, site: str) -> str:
        """The namespace name of ``site``, for ``ip netns exec``."""
        return self._topology.site(site).netns

    # -- faults ----------------------------------------------------------------------------

    def cut(self, site: str, link: str) -> None:
        """Take both ends of the link down and withdraw their addresses. Idempotent.

        A router stops answering for the address of a down interface; Linux would keep answering
        for it over any other link, so the address goes until ``restore()``.
        """
        found = self._running_link(site, link)
        run_all([
            ip_batch([f"link set {dev} down", f"addr flush dev {dev}"],
                     self._topology.netns_of(node))
            for node, dev, _ in found.ends()
        ])
        self._cut.add(found.index)

    def restore(self, site: str, link: str) -> None:
        """Bring both ends of the link back up, addressed, and re-apply the route plan.

        Idempotent. Taking a device down deleted the routes through it: the whole plan goes back.
        """
        found = self._running_link(site, link)
        run_all([
            ip_batch([f"addr replace {address}/30 dev {dev}", f"link set {dev} up"],
                     self._topology.netns_of(node))
            for node, dev, address in found.ends()
        ])
        self._cut.discard(found.index)
        self._apply(plan_routes(self._topology, destinations(self._topology)))

    def set_loss(self, site: str, link: str, percent: int) -> None:
        """Drop ``percent`` % of the packets crossing the link toward ``site``."""
        found = self._running_link(site, link)
        self._loss.set(self.netns(site), found.child_dev, percent)

    def clear_loss(self, site: str, link: str) -> None:
        found = self._running_link(site, link)
        self._loss.clear(self.netns(site), found.child_dev)

    def dropped(self, site: str, link: str) -> int:
        """Packets the loss rule of the link has dropped since it was last set."""
        found = self._running_link(site, link)
        return self._loss.dropped(self.netns(site), found.child_dev)

    # -- processes inside sites ------------------------------------------------------------

    def popen(self, site: str, argv: Sequence[str], **popen_kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``argv`` inside the site's namespace; it is stopped at ``close()``."""
        self._require(_State.RUNNING, "popen")
        return self._processes.start(netns_exec(self.netns(site), argv), **popen_kwargs)

    def run(self, site: str, argv: Sequence[str], check: bool = True, timeout: float = 30,
            **run_kwargs: Any) -> subprocess.CompletedProcess[Any]:
        """Run ``argv`` inside the site's namespace, output captured as text by default.

        With ``check``, a non-zero exit raises TestbedError quoting stderr; a timeout always does.
        """
        self._require(_State.RUNNING, "run")
        full = netns_exec(self.netns(site), argv)
        run_kwargs.setdefault("capture_output", True)
        run_kwargs.setdefault("text", True)
        try:
            done = subprocess.run(full, check=False, timeout=timeout, **run_kwargs)
        except subprocess.TimeoutExpired as exc:
            raise TestbedError(f"{shlex.join(full)}: no exit within {timeout} s") from exc
        if check and done.returncode != 0:
            raise TestbedError(f"{shlex.join(full)}: exit {done.returncode}: "
                               f"{(done.stderr or '').strip() or '(no stderr)'}")
        return done

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        topology = self._topology
        netns.create(self._namespaces())
        run_all([ip_batch([
            f"link add {link.parent_dev} netns {topology.netns_of(link.parent)} type veth "
            f"peer name {link.child_dev} netns {topology.netns_of(link.site)}"
            for link in topology.links
        ])])
        # Marked before it exists: close() must also remove an uplink that was only half made.
        self._uplink_added = True
        rootns.add_uplink(topology.names, topology.noc_netns)
        plan = plan_routes(topology, destinations(topology))
        self._apply(plan, {node: self._interface_lines(node) for node in plan})
        rootns.add_route(topology.names)

    def _interface_lines(self, node: Node) -> list[str]:
        lines = ["link set lo up"]
        if node is NOC:
            lines += rootns.noc_uplink_lines(self._topology.names)
        for link in self._topology.links:
            for end, dev, address in link.ends():
                if end == node:
                    lines += [f"addr add {address}/30 dev {dev}", f"link set {dev} up"]
        for block in self._topology.blocks:
            if block.site == node:
                lines += _block_lines(block)
        return lines

    def _add_block(self, block: HostBlock) -> None:
        plan = plan_routes(self._topology, block_destinations([block]))
        self._apply(plan, {block.site: _block_lines(block)})

    def _apply(self, plan: dict[Node, list[Route]],
               first: dict[Node, list[str]] | None = None) -> None:
        """Per namespace, concurrently: the ``first`` lines, then the routes not through a cut
        link (a route through a device that is down cannot be added)."""
        jobs = []
        for node, routes in plan.items():
            lines = list((first or {}).get(node, []))
            lines += [route.command() for route in routes if route.link not in self._cut]
            if lines:
                jobs.append(ip_batch(lines, self._topology.netns_of(node)))
        run_all(jobs)

    def _namespaces(self) -> list[str]:
        return [self._topology.noc_netns, *(site.netns for site in self._topology.sites.values())]

    def _running_link(self, site: str, link: str) -> Link:
        found = self._topology.link(site, link)
        self._require(_State.RUNNING, "changing a link")
        return found

    def _require(self, state: _State, action: str) -> None:
        if self._state is not state:
            raise TestbedError(f"{action}: needs a testbed that is {state.value}, "
                               f"this one is {self._state.value}")


def _block_lines(block: HostBlock) -> list[str]:
    # On the loopback rather than a dummy interface: not every kernel has the dummy driver, and
    # a local address answers pings whichever interface holds it.
    return [f"addr add {address}/32 dev lo" for address in block.addresses]
