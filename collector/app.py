"""Composition root: wires config, the probe kinds, state store, scheduler, alerting, mail and
the HTTP server."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import resource
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from collector.alerting.maintenance import MaintenanceCalendar
from collector.alerting.notifications import Notification
from collector.alerting.outage_log import Acknowledgement, OutageLog, outage_log_path
from collector.alerting.service import AlertService
from collector.config import CollectorConfig
from collector.connections import ConnectionLimits
from collector.errors import DataError
from collector.exposition import (
    AgentCollector,
    AvailabilityCollector,
    ChannelCollector,
    MailCollector,
)
from collector.exposition.connections import ConnectionCollector
from collector.exposition.page import MetricsPage, Source
from collector.exposition.runtime import runtime_collectors
from collector.exposition.storage import Storage, StorageCollector
from collector.gc_tuning import settle_after_start
from collector.http import HttpServer, build_http_app
from collector.ingest import AgentIngest
from collector.mail import MailChannel, MailOutbox, SmtpSender, render
from collector.mail.legacy import move_old_mails
from collector.notify import FILE_NAME as OUTBOX_FILE
from collector.notify import channels
from collector.notify.buttons import AckButtons
from collector.notify.outbox import Outbox as ChannelOutbox
from collector.notify.routing import channel_messages
from collector.notify.telegram import TelegramChannel
from collector.probes import Probe, ProbeContext, Recorder, Scheduled
from collector.probes import kinds as probe_kinds
from collector.scheduler import ProbeScheduler
from collector.snmp.state import SnmpState
from collector.state import StateStore
from collector.state.ledger import MonitoringLedger
from collector.status import status_routes
from collector.tls import server_context

log = logging.getLogger(__name__)


class CollectorApp:
    def __init__(self, config: CollectorConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self.store = StateStore(config, clock=clock)
        self.page = MetricsPage()
        for part, own in runtime_collectors():  # the collector's own process
            self._expose(part, own)
        self.snmp_state = SnmpState(config, clock=clock)
        # Every kind of check with something to check: its probe, its recorder, its metrics.
        self.context = ProbeContext(config, self.store, self.snmp_state, clock)
        targets: list[Scheduled] = []
        self.probes: dict[str, tuple[Probe, Recorder]] = {}
        expositions: list[str] = []
        for name, kind in probe_kinds().items():
            scheduled = kind.schedule(config)
            if scheduled:
                targets += scheduled
                self.probes[name] = kind.build(self.context)
                if kind.exposition is not None and kind.exposition not in expositions:
                    # Kinds may share one (http and tcp: the services' metrics).
                    expositions.append(kind.exposition)
        for module in expositions:
            self._expose(module.rsplit(".", 1)[1],
                         importlib.import_module(module).build_collector(self.context))
        self.ingest = AgentIngest(config, clock=clock)
        self._expose("agents", AgentCollector(self.ingest.registry))
        mail = config.mail
        # One outbox for every channel. Mail disabled still keeps every mail in it, as a
        # record of what was said.
        mail_channel = MailChannel(SmtpSender(mail.smtp)) if mail.enabled else None
        self._channel_list = [*([mail_channel] if mail_channel else []), *channels(config)]
        self.channels = ChannelOutbox(config.collector.data_dir / OUTBOX_FILE,
                                      self._channel_list, first=mail.retry.first,
                                      maximum=mail.retry.max, clock=clock)
        self.outbox = MailOutbox(self.channels, mail_channel)
        self._expose("mail", MailCollector(self.outbox))
        # The chat's "Ditangani" buttons, read once the outage log is open (start()).
        self.buttons: AckButtons | None = None
        self._expose("channels", ChannelCollector(
            self.channels, clock=clock,
            buttons=lambda: None if self.buttons is None else self.buttons.stats))
        self.http = HttpServer(
            build_http_app(self.page.render, self.health,
                           routes=[*self.ingest.routes(),
                                   *status_routes(self.store, config, clock=clock,
                                                  services=self.context.services,
                                                  acknowledgements=self._acknowledgements)]),
            config.collector.listen_host,
            config.collector.listen_port,
            ssl_context=server_context(config.collector),
            limits=ConnectionLimits(per_peer=config.collector.max_connections_per_client),
        )
        self._expose("http", ConnectionCollector(self.http.limits))
        self._storage: Storage | None = None
        self._expose("storage", StorageCollector(lambda: self._storage))
        self.scheduler = ProbeScheduler(targets, self.run_probe)
        self._started_at = clock()
        # Opened in start(): a constructor does no I/O, and a missing ICMP privilege is the
        # first thing an operator should hear about.
        self.outages: OutageLog | None = None
        self.ledger: MonitoringLedger | None = None
        self.alerting: AlertService | None = None
        self.calendar = MaintenanceCalendar(config)

    async def start(self) -> None:
        # Open the sockets before anything else: a missing privilege must stop
        # start-up with advice, not surface later as silent loss.
        for probe, _ in self.probes.values():
            probe.open()
        _prepare_data_dir(self.config.collector.data_dir)
        await self.ingest.start()
        await asyncio.to_thread(move_old_mails, self.config.collector.data_dir,
                                self.channels.path)
        await self.channels.start()
        self.outages = OutageLog(outage_log_path(self.config.collector.data_dir))
        # The ledger shares the outage log's file: the report reads both from one place.
        self.ledger = MonitoringLedger(outage_log_path(self.config.collector.data_dir),
                                       clock=self._clock)
        self.context.ledger = self.ledger
        self._expose("availability", AvailabilityCollector(
            self.config, self.outages, self.ledger, self.calendar, clock=self._clock))
        self.alerting = AlertService(self.config, self.store, self.snmp_state, self.ingest,
                                     self.outages, self.notify, calendar=self.calendar,
                                     clock=self._clock)
        ledger = self.ledger
        self._storage = Storage(self.alerting.stats, self.outages.stats,
                                lambda: ledger.write_failures)
        telegram = next((each for each in self._channel_list
                         if isinstance(each, TelegramChannel)), None)
        if telegram is not None and self.config.telegram.acknowledge:
            self.buttons = AckButtons(telegram, self.channels, self.outages, self.config,
                                      clock=self._clock)
            await self.buttons.start()
        await self.http.start()
        await self.alerting.start()
        self.scheduler.start()
        settings = self.config.collector
        host = settings.listen_host
        shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(
            host, f"[{host}]" if ":" in host else host)
        base = f"{'https' if settings.tls_cert_file else 'http'}://{shown}:{self.http.port}"
        log.info("collector listening on %s:%d, %s", host, self.http.port,
                 ", ".join(probe.describe() for probe, _ in self.probes.values())
                 or "nothing to probe")
        log.info("status page: %s/   metrics: %s/metrics   health: %s/healthz", base, base,
                 base)

    async def stop(self) -> None:
        await self.scheduler.stop()
        if self.alerting is not None:
            await self.alerting.stop()
        await self.http.stop()
        await self.ingest.stop()
        if self.buttons is not None:
            await self.buttons.stop()
        await self.channels.stop()
        if self.ledger is not None:
            self.ledger.close()
        for probe, _ in self.probes.values():
            probe.close()

    async def run_probe(self, target: Scheduled) -> None:
        """The one job of every kind: probe the target, fold the result into the state, and
        hand what changed to alerting."""
        probe, recorder = self.probes[target.kind]
        try:
            result = await probe.probe(target.spec)
            outcome = recorder.record(result)
        except Exception:
            # A check must never take the scheduler down with it.
            log.exception("%s failed", target.title)
            return
        if self.alerting is not None:
            self.alerting.outcome(outcome)

    async def notify(self, notifications: list[Notification]) -> None:
        """Notifications that fell due, grouped by the engine: one mail, one message per chat
        and webhook, committed to the outbox together."""
        mail = render(notifications, self.config)
        messages = [*([MailOutbox.message(mail)] if mail is not None else []),
                    *channel_messages(notifications, self.config)]
        if messages:
            await self.channels.enqueue(messages)

    def _expose(self, part: str, collector: Source) -> None:
        """Serve ``collector``'s families on /metrics, behind a guard: should it fail, the
        rest of the page is still served."""
        self.page.add(part, collector)

    def _acknowledgements(self) -> Mapping[tuple[str, str | None, str | None],
                                           Acknowledgement]:
        return {} if self.outages is None else self.outages.open_acknowledgements()

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


FILE_LIMIT = 65536
"""Open files the collector asks for: sockets of probes and clients, its databases."""


def raise_file_limit() -> None:
    """Take the soft limit of open files up to FILE_LIMIT (or the hard limit, if lower): the
    default 1024 is near what the HTTP server's connection cap and the probes hold at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FILE_LIMIT if hard == resource.RLIM_INFINITY else min(FILE_LIMIT, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (OSError, ValueError) as err:
            log.warning("cannot raise the open files limit from %d to %d: %s", soft, wanted,
                        err)


async def serve(config: CollectorConfig) -> None:
    """Run the collector until SIGINT or SIGTERM."""
    raise_file_limit()
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
