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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from collector.alerting.maintenance import MaintenanceCalendar
from collector.alerting.notifications import Notification
from collector.alerting.outage_log import Acknowledgement, OutageLog, outage_log_path
from collector.alerting.service import AlertService
from collector.config import CollectorConfig, load_config
from collector.config.changes import channel_settings, describe, keeping, needing_restart
from collector.connections import FILE_LIMIT, ConnectionLimits
from collector.control import ReloadOutcome, remove_pid, write_outcome, write_pid
from collector.errors import ConfigError, DataError, PantauError
from collector.exposition import (
    AgentCollector,
    AvailabilityCollector,
    ChannelCollector,
    MailCollector,
)
from collector.exposition.connections import ConnectionCollector
from collector.exposition.page import MetricsPage, Source
from collector.exposition.reloads import ReloadCollector, ReloadStats
from collector.exposition.runtime import runtime_collectors
from collector.exposition.satellites import ForwardCollector, SatelliteCollector
from collector.exposition.storage import Storage, StorageCollector
from collector.gc_tuning import settle_after_start
from collector.http import HttpServer, RouteTable, build_http_app
from collector.ingest import AgentIngest
from collector.ingest.satellites import SatelliteIngest
from collector.mail import MailChannel, MailOutbox, SmtpSender, render
from collector.mail.legacy import move_old_mails
from collector.notify import FILE_NAME as OUTBOX_FILE
from collector.notify import channels
from collector.notify.buttons import AckButtons
from collector.notify.outbox import Channel
from collector.notify.outbox import Outbox as ChannelOutbox
from collector.notify.routing import channel_messages
from collector.notify.telegram import TelegramChannel
from collector.probes import Probe, ProbeContext, Recorder, Scheduled, WireForm
from collector.probes import kinds as probe_kinds
from collector.satellite import Forwarder
from collector.scheduler import ProbeScheduler
from collector.snmp.state import SnmpState
from collector.state import StateStore
from collector.state.ledger import MonitoringLedger
from collector.status import status_routes
from collector.tls import server_context

log = logging.getLogger(__name__)


@dataclass
class _Parts:
    """What is made from one config: state, probes, expositions, routes, channels. A reload
    makes new parts and hands over to them what the old ones knew."""

    config: CollectorConfig
    store: StateStore
    snmp_state: SnmpState
    context: ProbeContext
    targets: list[Scheduled]
    probes: dict[str, tuple[Probe, Recorder]]
    """The kinds this collector checks itself."""
    recorders: dict[str, Recorder]
    """Every kind with something to check, here or by a satellite."""
    remote: dict[tuple[str, str], Scheduled]
    """What satellites check, by (kind, site)."""
    wires: dict[str, WireForm]
    expositions: dict[str, Source]
    calendar: MaintenanceCalendar
    channel_list: list[Channel]
    mail_channel: MailChannel | None


RELOAD_WAIT = 10.0
"""A reload lets the checks under way end for this long (then cuts them short)."""


class CollectorApp:
    def __init__(self, config: CollectorConfig, clock: Callable[[], float] = time.time,
                 config_path: str | Path | None = None) -> None:
        self._clock = clock
        self.config_path = config_path
        """Where a reload reads the config from (None: the collector cannot reload)."""
        self.page = MetricsPage()
        for part, own in runtime_collectors():  # the collector's own process
            self._expose(part, own)
        # Opened in start(): a constructor does no I/O, and a missing ICMP privilege is the
        # first thing an operator should hear about.
        self.outages: OutageLog | None = None
        self.ledger: MonitoringLedger | None = None
        self.alerting: AlertService | None = None
        self.buttons: AckButtons | None = None
        """The chat's "Ditangani" buttons, read once the outage log is open (start())."""
        self._reloading = asyncio.Lock()
        self.reloads = ReloadStats(clock())
        self.ingest: AgentIngest | None = None
        self.satellites: SatelliteIngest | None = None
        parts = self._make(config, None)
        self._take(parts, None)
        self._expose("satellites", SatelliteCollector(lambda: self.satellites))
        # A satellite sends what it finds to the core; the core tells people.
        self.forwarder = Forwarder(config.core, parts.wires, clock=clock) \
            if config.core is not None else None
        if self.forwarder is not None:
            self._expose("forwarding", ForwardCollector(self.forwarder.stats))
        mail = config.mail
        # One outbox for every channel. Mail disabled still keeps every mail in it, as a
        # record of what was said.
        self.channels = ChannelOutbox(config.collector.data_dir / OUTBOX_FILE,
                                      parts.channel_list, first=mail.retry.first,
                                      maximum=mail.retry.max, clock=clock)
        self.outbox = MailOutbox(self.channels, parts.mail_channel)
        self._expose("mail", MailCollector(self.outbox))
        self._expose("channels", ChannelCollector(
            self.channels, clock=clock,
            buttons=lambda: None if self.buttons is None else self.buttons.stats))
        self.routes = RouteTable(self._routes())
        self.http = HttpServer(
            build_http_app(self.page.render, self.health, routes=self.routes.defs()),
            config.collector.listen_host,
            config.collector.listen_port,
            ssl_context=server_context(config.collector),
            limits=ConnectionLimits(per_peer=config.collector.max_connections_per_client),
        )
        self._expose("http", ConnectionCollector(self.http.limits))
        self._storage: Storage | None = None
        self._expose("storage", StorageCollector(lambda: self._storage))
        self._expose("reloads", ReloadCollector(self.reloads))
        self.scheduler = ProbeScheduler(parts.targets, self.run_probe)

    def _make(self, config: CollectorConfig, old: CollectorApp | None) -> _Parts:
        """The parts made from ``config``: every kind of check with something to check (its
        probe, its recorder, its metrics), the state they fold into, the channels. Nothing
        is taken over from ``old`` yet, nor opened: a reload that fails here changes
        nothing. A channel whose settings did not change is ``old``'s own."""
        clock = self._clock
        store = StateStore(config, clock=clock)
        snmp_state = SnmpState(config, clock=clock)
        context = ProbeContext(config, store, snmp_state, clock, ledger=self.ledger)
        targets: list[Scheduled] = []
        probes: dict[str, tuple[Probe, Recorder]] = {}
        recorders: dict[str, Recorder] = {}
        remote: dict[tuple[str, str], Scheduled] = {}
        wires: dict[str, WireForm] = {}
        modules: list[str] = []
        for name, kind in probe_kinds().items():
            scheduled = kind.schedule(config)
            if not scheduled:
                continue
            own = [target for target in scheduled if target.satellite is None]
            probe, recorder = kind.build(context)
            recorders[name] = recorder
            if own:
                targets += own
                probes[name] = (probe, recorder)
            if kind.wire is not None:
                wires[name] = kind.wire
                remote.update({(name, target.spec.site): target for target in scheduled
                               if target.satellite is not None})
            if kind.exposition is not None and kind.exposition not in modules:
                # Kinds may share one (http and tcp: the services' metrics).
                modules.append(kind.exposition)
        expositions = {module.rsplit(".", 1)[1]:
                       importlib.import_module(module).build_collector(context)
                       for module in modules}
        mail = config.mail
        mail_channel = MailChannel(SmtpSender(mail.smtp)) if mail.enabled else None
        channel_list = [*([mail_channel] if mail_channel else []), *channels(config)]
        if old is not None:
            same = channel_settings(old.config)
            now = channel_settings(config)
            kept = {channel.name: channel for channel in old._channel_list
                    if same[channel.name] == now[channel.name]}
            channel_list = [kept.get(channel.name, channel) for channel in channel_list]
            mail_channel = next((each for each in channel_list
                                 if isinstance(each, MailChannel)), None)
        return _Parts(config, store, snmp_state, context, targets, probes, recorders, remote,
                      wires, expositions, MaintenanceCalendar(config), channel_list,
                      mail_channel)

    def _take(self, parts: _Parts, old: _Parts | None) -> None:
        """Put ``parts`` in force, with what ``old``'s knew of what is still configured."""
        if old is not None:
            parts.store.adopt(old.store)
            parts.snmp_state.adopt(old.snmp_state)
            if parts.context.services is not None and old.context.services is not None:
                parts.context.services.adopt(old.context.services)
        self.parts = parts
        self.config = parts.config
        self.store = parts.store
        self.snmp_state = parts.snmp_state
        self.context = parts.context
        self.probes = parts.probes
        self.calendar = parts.calendar
        self._channel_list = parts.channel_list
        for name in (old.expositions if old is not None else {}):
            if name not in parts.expositions:
                self.page.remove(name)
        for name, exposition in parts.expositions.items():
            self._expose(name, exposition)
        # The push endpoints: what they knew of each agent and satellite goes on.
        config, clock = parts.config, self._clock
        self.ingest = AgentIngest(config, clock=clock, previous=self.ingest)
        self._expose("agents", AgentCollector(self.ingest.registry))
        self.satellites = SatelliteIngest(config, parts.remote, parts.wires,
                                          self._record_remote, clock=clock,
                                          previous=self.satellites)

    def _routes(self) -> list[web.RouteDef]:
        return [*self.ingest.routes(), *self.satellites.routes(),
                *status_routes(self.store, self.config, clock=self._clock,
                               services=self.context.services,
                               acknowledgements=self._acknowledgements)]

    async def start(self) -> None:
        # Open the sockets before anything else: a missing privilege must stop
        # start-up with advice, not surface later as silent loss.
        _open_probes(self.probes)
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
        if self.forwarder is None:
            self.alerting = AlertService(self.config, self.store, self.snmp_state, self.ingest,
                                         self.outages, self.notify, calendar=self.calendar,
                                         clock=self._clock)
            ledger = self.ledger
            self._storage = Storage(self.alerting.stats, self.outages.stats,
                                    lambda: ledger.write_failures)
            await self._reconfigure_buttons(self.config)
        else:
            # A satellite: the core evaluates what it finds and tells people.
            await self.forwarder.start()
        await self.http.start()
        if self.alerting is not None:
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

    async def reload(self) -> ReloadOutcome:
        """Read the config again (SIGHUP, `collector reload`) and put it in force. One that
        is not valid is logged with its errors and changes nothing."""
        if self.config_path is None:
            log.error("reload: the collector was not started from a config file")
            return self._reloaded(False, ["the collector was not started from a config file"])
        try:
            config = await asyncio.to_thread(load_config, self.config_path)
        except ConfigError as err:
            log.error("reload: %s is not valid; the config in force stays:\n  %s",
                      self.config_path, "\n  ".join(err.errors))
            return self._reloaded(False, err.errors)
        return await self.apply(config)

    async def apply(self, config: CollectorConfig) -> ReloadOutcome:
        """Put ``config`` in force without a restart: what it still has keeps its state,
        open outages, notifications waiting and counts; what it adds starts as at a start;
        what it removes is forgotten, its open outages closed (`AlertEngine.reconfigure`).
        No notification comes of the reload itself. Whether it took."""
        async with self._reloading:
            old = self.parts
            changes = describe(old.config, config)
            if not changes:
                log.info("reload: the config has not changed")
                return self._reloaded(True, ["the config has not changed"])
            later = needing_restart(old.config, config)
            if later:
                # The listening socket, the files and the role stay as they were opened.
                config = keeping(old.config, config, later)
            async with self.scheduler.paused(RELOAD_WAIT):
                try:
                    parts = self._make(config, self)
                    _open_probes(parts.probes)
                except (PantauError, OSError) as err:
                    log.error("reload: the new config cannot be put in force (%s); the config "
                              "in force stays", err)
                    return self._reloaded(False, [f"cannot be put in force: {err}"])
                self._take(parts, old)
                self.routes.replace(self._routes())
                self.http.limits.per_peer = config.collector.max_connections_per_client
                if self.alerting is not None:
                    self.alerting.reconfigure(config, self.store, self.snmp_state, self.ingest,
                                              self.calendar)
                if self.outages is not None:
                    self._expose("availability", AvailabilityCollector(
                        config, self.outages, self.ledger, self.calendar, clock=self._clock))
                self.outbox.channel = parts.mail_channel
                await self.channels.reconfigure(parts.channel_list, config.mail.retry.first,
                                                config.mail.retry.max)
                await self._reconfigure_buttons(config)
                self.scheduler.update(parts.targets)
                logging.getLogger().setLevel(config.collector.log_level.upper())
                for probe, _ in old.probes.values():
                    probe.close()
            for line in changes:
                log.info("reload: %s", line)
            if later:
                log.warning("reload: %s: in force from the collector's next start",
                            ", ".join(later))
            return self._reloaded(True, changes)

    def _reloaded(self, success: bool, lines: Sequence[str]) -> ReloadOutcome:
        stats = self.reloads
        stats.last_successful = success
        stats.results["success" if success else "failure"] += 1
        if success:
            stats.loaded_at = self._clock()
        # Real time: `collector reload` compares it with its own clock.
        return ReloadOutcome(success, tuple(lines), time.time())

    async def _reconfigure_buttons(self, config: CollectorConfig) -> None:
        telegram = next((each for each in self._channel_list
                         if isinstance(each, TelegramChannel)), None)
        if telegram is None or not config.telegram.acknowledge or self.outages is None:
            if self.buttons is not None:
                await self.buttons.stop()
                self.buttons = None
        elif self.buttons is not None:
            await self.buttons.reconfigure(telegram, config)
        else:
            self.buttons = AckButtons(telegram, self.channels, self.outages, config,
                                      clock=self._clock)
            await self.buttons.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        if self.alerting is not None:
            await self.alerting.stop()
        await self.http.stop()
        await self.ingest.stop()
        if self.buttons is not None:
            await self.buttons.stop()
        await self.channels.stop()
        if self.forwarder is not None:
            await self.forwarder.stop()
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
        if self.forwarder is not None:
            await self.forwarder.send(target.kind, result)

    def _record_remote(self, kind: str, result: object) -> None:
        """A satellite's result, evaluated as one of this collector's own."""
        outcome = self.parts.recorders[kind].record(result)
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
            if record.site.satellite is not None:
                continue  # a satellite's rounds: its silence is not this collector's health
            last = record.last_round_at or record.watched_since
            if now - last > 3 * record.site.interval + self.config.icmp.jitter:
                late.append(name)
        if late:
            return False, "rounds overdue for: " + ", ".join(sorted(late))
        return True, "ok"


def _open_probes(probes: Mapping[str, tuple[Probe, Recorder]]) -> None:
    """Open every probe's sockets, or none: one that cannot closes those opened before it."""
    opened: list[Probe] = []
    try:
        for probe, _ in probes.values():
            probe.open()
            opened.append(probe)
    except BaseException:
        for probe in opened:
            probe.close()
        raise


def _prepare_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"collector.data_dir {path}: cannot create it: {err.strerror}") from err
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataError(f"collector.data_dir {path}: not writable by this user "
                        f"(uid {os.getuid()})")


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


async def serve(config: CollectorConfig, config_path: str | Path | None = None) -> None:
    """Run the collector until SIGINT or SIGTERM; SIGHUP reloads the config."""
    raise_file_limit()
    app = CollectorApp(config, config_path=config_path)
    await app.start()
    settle_after_start()
    data_dir = config.collector.data_dir
    write_pid(data_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    reloading: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        try:
            outcome = await app.reload()
        except Exception as err:
            # Not the config (that is refused above): a fault while putting it in force.
            log.exception("reload failed")
            outcome = app._reloaded(False, [f"the reload failed: {err} (see the log)"])
        try:
            write_outcome(data_dir, outcome)
        except OSError as err:
            log.warning("reload: cannot write its outcome for `collector reload`: %s", err)

    def hangup() -> None:
        log.info("SIGHUP: reading the config again")
        task = loop.create_task(reload(), name="reload")
        reloading.add(task)
        task.add_done_callback(reloading.discard)

    loop.add_signal_handler(signal.SIGHUP, hangup)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        loop.remove_signal_handler(signal.SIGHUP)
        # A reload under way ends first: the parts it puts in force are the ones stopped.
        await asyncio.gather(*reloading, return_exceptions=True)
        await app.stop()
        remove_pid(data_dir)
