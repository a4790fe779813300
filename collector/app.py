"""Composition root: wires config, pinger, state store, scheduler and HTTP server."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from collections.abc import Callable

from prometheus_client.registry import CollectorRegistry

from collector.config import CollectorConfig, Device, Site
from collector.exposition import AgentCollector, LinkCollector, SnmpCollector
from collector.http import HttpServer, build_http_app
from collector.icmp import Pinger, PingResult
from collector.ingest import AgentIngest
from collector.scheduler import RoundScheduler
from collector.snmp.poller import SnmpPoller
from collector.snmp.state import SnmpState
from collector.state import StateStore
from collector.tls import server_context

log = logging.getLogger(__name__)


class CollectorApp:
    def __init__(self, config: CollectorConfig, pinger: Pinger | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self.pinger = pinger or Pinger(
            socket_mode=config.icmp.socket.value,
            receive_buffer=config.icmp.receive_buffer,
            payload_size=config.icmp.payload_size,
        )
        self.store = StateStore(config, clock=clock)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(LinkCollector(self.store))
        self.snmp_state = SnmpState(config, clock=clock)
        self.registry.register(SnmpCollector(self.snmp_state))
        has_devices = any(site.devices for site in config.sites)
        self.poller = SnmpPoller(config, clock=clock) if has_devices else None
        # Which links take their interface's status from which device.
        self._carried: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for site in config.sites:
            for link in site.links:
                if link.interface is not None:
                    owner = (link.interface.site or site.name, link.interface.device)
                    self._carried.setdefault(owner, []).append(
                        (site.name, link.name, link.interface.name))
        self.ingest = AgentIngest(config, clock=clock)
        self.registry.register(AgentCollector(self.ingest.registry))
        self.http = HttpServer(
            build_http_app(self.registry, self.health, routes=self.ingest.routes()),
            config.collector.listen_host,
            config.collector.listen_port,
            ssl_context=server_context(config.collector),
        )
        self.scheduler = RoundScheduler(config, self.run_round, self.poll_device)
        self._started_at = clock()

    async def start(self) -> None:
        families = {socket.AF_INET6 if t.version == 6 else socket.AF_INET
                    for site in self.config.sites for link in site.links for t in link.targets}
        # Open the sockets before anything else: a missing privilege must stop
        # start-up with advice, not surface later as silent loss.
        self.pinger.open(sorted(families))
        await self.ingest.start()
        await self.http.start()
        self.scheduler.start()
        log.info("collector listening on %s:%d, ICMP socket: %s",
                 self.config.collector.listen_host, self.http.port, self.pinger.socket_kind)

    async def stop(self) -> None:
        self.scheduler.shutdown()
        await self.http.stop()
        await self.ingest.stop()
        self.pinger.close()
        if self.poller is not None:
            self.poller.close()

    async def run_round(self, site: Site) -> None:
        icmp = self.config.icmp
        targets = list(dict.fromkeys(str(t) for link in site.links for t in link.targets))
        started = time.monotonic()
        try:
            results = await self.pinger.ping(targets, icmp.echoes, icmp.echo_interval, icmp.timeout)
        except Exception:
            # A round must never take the scheduler down with it.
            log.exception("ping round of site %s failed", site.name)
            return
        duration = time.monotonic() - started
        by_target: dict[str, PingResult] = {r.target: r for r in results}
        self.store.record_round(site.name, by_target, duration)
        log.debug("round of %s: %d targets, %d of %d replies, %.3f s", site.name, len(results),
                  sum(r.received for r in results), sum(r.sent for r in results), duration)

    async def poll_device(self, site: Site, device: Device) -> None:
        assert self.poller is not None
        try:
            poll = await self.poller.poll(site.name, device.name)
        except Exception:
            # A poll must never take the scheduler down with it.
            log.exception("SNMP poll of %s/%s failed", site.name, device.name)
            return
        self.snmp_state.record(poll)
        for link_site, link, interface in self._carried.get((site.name, device.name), []):
            up = self.snmp_state.interface_up(site.name, device.name, interface)
            self.store.record_interface(link_site, link, up)

    def health(self) -> tuple[bool, str]:
        """Healthy while every site has had a round within three of its intervals."""
        now = self._clock()
        late = []
        for name, record in self.store.sites.items():
            last = record.last_round_at or self._started_at
            if now - last > 3 * record.site.interval + self.config.icmp.jitter:
                late.append(name)
        if late:
            return False, "rounds overdue for: " + ", ".join(sorted(late))
        return True, "ok"


async def serve(config: CollectorConfig) -> None:
    """Run the collector until SIGINT or SIGTERM."""
    app = CollectorApp(config)
    await app.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await app.stop()
