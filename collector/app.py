"""Composition root: wires config, pinger, state store, scheduler and HTTP server."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

from prometheus_client.registry import CollectorRegistry

from collector.alerting.maintenance import MaintenanceCalendar
from collector.alerting.notifications import Notification
from collector.alerting.outage_log import OutageLog, outage_log_path
from collector.alerting.service import AlertService
from collector.config import CollectorConfig, Device, Site
from collector.errors import DataError
from collector.exposition import (
    AgentCollector,
    AvailabilityCollector,
    LinkCollector,
    MailCollector,
    SnmpCollector,
)
from collector.gc_tuning import settle_after_start
from collector.http import HttpServer, build_http_app
from collector.icmp import Pinger, PingResult
from collector.ingest import AgentIngest
from collector.mail import FILE_NAME as MAIL_FILE
from collector.mail import Outbox, SmtpSender, render
from collector.scheduler import RoundScheduler
from collector.snmp.poller import SnmpPoller
from collector.snmp.state import SnmpState
from collector.state import LinkState, StateStore, Transition
from collector.state.ledger import GAP_FACTOR, MonitoringLedger
from collector.status import status_routes
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
        self.ingest = AgentIngest(config, clock=clock)
        self.registry.register(AgentCollector(self.ingest.registry))
        mail = config.mail
        # Mail disabled still keeps every mail in the outbox, as a record of what was said.
        self.outbox = Outbox(config.collector.data_dir / MAIL_FILE,
                             SmtpSender(mail.smtp) if mail.enabled else None, mail, clock=clock)
        self.registry.register(MailCollector(self.outbox))
        self.http = HttpServer(
            build_http_app(self.registry, self.health,
                           routes=[*self.ingest.routes(),
                                   *status_routes(self.store, config, clock=clock)]),
            config.collector.listen_host,
            config.collector.listen_port,
            ssl_context=server_context(config.collector),
        )
        self.scheduler = RoundScheduler(config, self.run_round, self.poll_device)
        self._started_at = clock()
        # Opened in start(): a constructor does no I/O, and a missing ICMP privilege is the
        # first thing an operator should hear about.
        self.outages: OutageLog | None = None
        self.ledger: MonitoringLedger | None = None
        self.alerting: AlertService | None = None
        self.calendar = MaintenanceCalendar(config)

    async def start(self) -> None:
        families = {socket.AF_INET6 if t.version == 6 else socket.AF_INET
                    for site in self.config.sites for link in site.links for t in link.targets}
        # Open the sockets before anything else: a missing privilege must stop
        # start-up with advice, not surface later as silent loss.
        self.pinger.open(sorted(families))
        _prepare_data_dir(self.config.collector.data_dir)
        await self.ingest.start()
        await self.outbox.start()
        self.outages = OutageLog(outage_log_path(self.config.collector.data_dir))
        # The ledger shares the outage log's file: the report reads both from one place.
        self.ledger = MonitoringLedger(outage_log_path(self.config.collector.data_dir),
                                       clock=self._clock)
        self.registry.register(AvailabilityCollector(self.config, self.outages, self.ledger,
                                                     self.calendar, clock=self._clock))
        self.alerting = AlertService(self.config, self.store, self.snmp_state, self.ingest,
                                     self.outages, self.notify, calendar=self.calendar,
                                     clock=self._clock)
        await self.http.start()
        await self.alerting.start()
        self.scheduler.start()
        log.info("collector listening on %s:%d, ICMP socket: %s",
                 self.config.collector.listen_host, self.http.port, self.pinger.socket_kind)

    async def stop(self) -> None:
        self.scheduler.shutdown()
        if self.alerting is not None:
            await self.alerting.stop()
        await self.http.stop()
        await self.ingest.stop()
        await self.outbox.stop()
        if self.ledger is not None:
            self.ledger.close()
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
        self._alert(self.store.record_round(site.name, by_target, duration))
        self._account(site)
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
        reboot = self.snmp_state.record(poll)
        if reboot is not None and self.alerting is not None:
            self.alerting.reboot(reboot)
        for link_site, link, interface in self.store.topology.carried_by(site.name, device.name):
            up = self.snmp_state.interface_up(site.name, device.name, interface)
            self._alert(self.store.record_interface(link_site, link, up))

    def _account(self, site: Site) -> None:
        """Into the ledger: the site was judged by this round, or was not."""
        if self.ledger is None:
            return
        state = self.store.sites[site.name].state
        if state in (LinkState.UNKNOWN, LinkState.ERROR):
            self.ledger.not_judged(site.name)
        else:
            self.ledger.judged(site.name, self._clock(),
                               GAP_FACTOR * site.interval + self.config.icmp.jitter)

    def _alert(self, transitions: list[Transition]) -> None:
        if self.alerting is not None:
            self.alerting.transitions(transitions)

    async def notify(self, notifications: list[Notification]) -> None:
        """Notifications that fell due, grouped by the engine: one mail, into the outbox."""
        mail = render(notifications, self.config)
        if mail is not None:
            await self.outbox.enqueue(mail)

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


def _prepare_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"collector.data_dir {path}: cannot create it: {err.strerror}") from err
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataError(f"collector.data_dir {path}: not writable by this user "
                        f"(uid {os.getuid()})")


async def serve(config: CollectorConfig) -> None:
    """Run the collector until SIGINT or SIGTERM."""
    app = CollectorApp(config)
    await app.start()
    settle_after_start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        await app.stop()
