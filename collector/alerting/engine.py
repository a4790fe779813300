"""The alerting engine: from link and site states to outages and notifications.

Pure: it is fed transitions, reboots and agent states, asked `tick()` on a clock, and answers
with the notifications to send; it writes outages to the outage log so that a restarted
collector neither announces an outage twice nor forgets to announce its end.

- A site that goes `down` is a cut; sites that go `unreachable` behind it are listed in the
  cut's one mail, and again in its one recovery mail. Events within `group_window` of the
  first go out together; causes are judged at the window's end, when the agents of the site
  have replayed what they spooled through the gap.
- A link that goes down while its site stays up (through a second link) is announced on its
  own; so is a link degraded for `degraded_after`.
- A recovery is told once the site or link has stayed up for `recovery_hold` (and at least
  `group_window`); the outage's end is still the moment it came back. One that goes down
  again within the hold is flapping: its outages are logged as they happen, one "flapping"
  notification goes out (the second and last of the episode after the first "down"), and
  nothing more until it has kept one state for `flap_stable`, when one notification says how
  it ended (recovered, or down for good). Changing state more than `flap_transitions` times
  in `flap_window` also counts as flapping.
- During a maintenance window of a site its outages are planned: logged, never mailed.

A notification is kept in the outage log's file from the moment it is decided (with the
change that decided it, in one transaction) until the outbox has it: a collector killed
inside the grouping window, or whose outbox cannot be written, sends it after all, once. An
outage whose "down" was due and not yet told when the collector stopped is told after the
restart (or, if it ended meanwhile, its recovery says both).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from collector.alerting.notifications import (
    AffectedSite,
    EventKind,
    Notification,
    decode,
    encode,
)
from collector.alerting.outage_log import Cause, Evidence, OutageLog
from collector.config import CollectorConfig
from collector.state.health import LinkState
from collector.state.services import ServiceResult, ServiceStateKind, ServiceTransition
from collector.state.store import Transition
from collector.topology import Topology

log = logging.getLogger(__name__)

Key = tuple[str, str | None]
CERT_WARNING_DAYS = (30, 14, 7, 3, 1)
"""A service's certificate is warned about once at each of these days before its expiry."""
"""(site, link): link None for the site as a whole."""


class CauseJudge(Protocol):
    def cause(self, site: str, start: float, end: float) -> tuple[Cause, Evidence | None]: ...


class Calendar(Protocol):
    def active(self, site: str, t: float) -> object | None: ...


class LinkFigures(Protocol):
    def before_cut(self, site: str, link: str | None) -> tuple[float | None, float | None]:
        """Loss ratio and median RTT over the rounds before a cut."""
        ...


@dataclass
class _Outage:
    id: int
    started_at: float
    planned: bool
    announced: bool
    root: str | None = None
    loss_before: float | None = None
    rtt_before: float | None = None
    reminded_at: float = 0.0


@dataclass
class _Group:
    deadline: float
    downs: list[Key] = field(default_factory=list)
    others: dict[int, Notification] = field(default_factory=dict)
    """By their row in the outage log's `decided`, in the order they were decided."""


@dataclass(frozen=True)
class Batch:
    """Notifications that fell due together (one mail, one message per chat): kept in the
    outage log under ``number`` until the outbox has them."""

    number: int
    notifications: list[Notification]


@dataclass
class _Held:
    """An outage that ended, its recovery not told yet: it still may flap."""

    outage: _Outage
    ended_at: float
    release_at: float


class AlertEngine:
    def __init__(self, config: CollectorConfig, outages: OutageLog, evidence: CauseJudge,
                 figures: LinkFigures, calendar: Calendar | None = None,
                 clock: Callable[[], float] = time.time,
                 topology: Topology | None = None) -> None:
        self._log = outages
        self._clock = clock
        self._take_config(config, evidence, figures, calendar, topology or Topology(config))
        self._states: dict[Key, LinkState] = {}
        self._open: dict[Key, _Outage] = {}
        self._changes: dict[Key, deque[float]] = {}
        self._flapping: set[Key] = set()
        self._held: dict[Key, _Held] = {}
        # When a flapping episode began: its first outage's start, for the closing mail.
        self._episode_start: dict[Key, float] = {}
        self._episode_end: dict[Key, float] = {}
        self._degraded_since: dict[Key, float] = {}
        self._degraded_told: set[Key] = set()
        # A service answering slower than its degraded_latency: since when, and how slow.
        self._slow_since: dict[tuple[str, str], tuple[float, float]] = {}
        self._slow_told: set[tuple[str, str]] = set()
        self._errors_told: set[Key] = set()
        self._group: _Group | None = None
        self._service_open: dict[tuple[str, str], _Outage] = {}
        self._batches = 0
        self.unsent: list[Batch] = []
        """Batches that fell due before a restart and that the outbox may not have yet."""
        self._restore()

    def _take_config(self, config: CollectorConfig, evidence: CauseJudge, figures: LinkFigures,
                     calendar: Calendar | None, topology: Topology) -> None:
        self._config = config
        self._settings = config.alerting
        self._evidence = evidence
        self._figures = figures
        self._calendar = calendar
        self._topology = topology
        self._titles = {name: topology.title(name) for name in topology.names()}
        self._links = {(site.name, link.name) for site in config.sites for link in site.links}
        self._service_titles = {(site.name, service.name): service.title
                                for site in config.sites for service in site.services}
        self._services = {(site.name, service.name): service
                          for site in config.sites for service in site.services}

    def reconfigure(self, config: CollectorConfig, evidence: CauseJudge, figures: LinkFigures,
                    calendar: Calendar | None, topology: Topology) -> None:
        """Go on with ``config`` (a reload). What it still has keeps its open outages, held
        recoveries, flapping episodes and notifications waiting; what it no longer has is
        forgotten (`_forget_removed`)."""
        self._take_config(config, evidence, figures, calendar, topology)
        self._forget_removed()

    def _known(self, key: Key) -> bool:
        site, link = key
        return site in self._titles and (link is None or (site, link) in self._links)

    def _forget_removed(self) -> None:
        """Sites, links and services no longer in the config: their open outages are closed
        in the log now (their end unknown: the collector stopped watching), their held
        recoveries closed when they ended, and nothing is told of either; a "down" of theirs
        still waiting is dropped. Notifications already decided about them still go."""
        now = self._clock()
        for key in [key for key in self._open if not self._known(key)]:
            outage = self._open.pop(key)
            self._log.close_outage(outage.id, max(now, outage.started_at))
            log.warning("%s is no longer in the config: its outage #%d is closed now, told by "
                        "no notification", "/".join(k for k in key if k), outage.id)
        for key in [key for key in self._held if not self._known(key)]:
            held = self._held.pop(key)
            self._log.close_outage(held.outage.id, held.ended_at)
        for service_key in [key for key in self._service_open if key not in self._services]:
            outage = self._service_open.pop(service_key)
            self._log.close_outage(outage.id, max(now, outage.started_at))
            log.warning("service %s/%s is no longer in the config: its outage #%d is closed "
                        "now, told by no notification", *service_key, outage.id)
        for table in (self._states, self._changes, self._episode_start, self._episode_end,
                      self._degraded_since):
            for key in [key for key in table if not self._known(key)]:
                del table[key]
        for told in (self._flapping, self._degraded_told, self._errors_told):
            told.difference_update({key for key in told if not self._known(key)})
        for key in [key for key in self._slow_since if key not in self._services]:
            del self._slow_since[key]
        self._slow_told.intersection_update(self._services)
        if self._group is not None:
            self._group.downs = [key for key in self._group.downs if self._known(key)]

    def _restore(self) -> None:
        for outage in self._log.open_outages():
            if outage.service is not None:
                self._service_open[(outage.site, outage.service)] = _Outage(
                    outage.id, outage.started_at, outage.planned,
                    self._log.announced(outage.id), reminded_at=self._clock())
                continue
            self._open[(outage.site, outage.link)] = _Outage(
                outage.id, outage.started_at, outage.planned, self._log.announced(outage.id),
                outage.root_site, reminded_at=self._clock())
        self._forget_removed()
        if self._open:
            log.info("%d outages still open from before the restart", len(self._open))
        self._restore_decided()

    def _restore_decided(self) -> None:
        """The grouping window and the batches the collector stopped in, as they were; and
        the "down" of every outage that was still to be told."""
        batches: dict[int, list[Notification]] = {}
        for row in self._log.decided():
            try:
                notification = decode(row.body)
            except (ValueError, TypeError, KeyError) as err:
                log.error("a notification kept from before the restart cannot be read "
                          "(%s): dropped: %.200s", err, row.body)
                self._log.withdraw([row.row])
                continue
            if row.batch is None:
                if self._group is None:
                    self._group = _Group(row.deadline)
                self._group.others[row.row] = notification
            else:
                batches.setdefault(row.batch, []).append(notification)
                self._batches = max(self._batches, row.batch)
        self.unsent = [Batch(number, notifications) for number, notifications in batches.items()]
        for key, outage in self._open.items():
            if not outage.announced and not outage.planned and key[0] in self._titles:
                self._pending().downs.append(key)
        waiting = sum(len(batch.notifications) for batch in self.unsent) + (
            len(self._group.others) + len(self._group.downs) if self._group else 0)
        if waiting:
            log.warning("%d notifications decided before the restart are still to be sent",
                        waiting)

    # -- input ---------------------------------------------------------------------------

    def on_transitions(self, transitions: list[Transition]) -> None:
        for transition in transitions:
            key = (transition.site, transition.link)
            self._states[key] = transition.new
            self._count_change(key, transition)
            if transition.new is LinkState.DEGRADED and transition.link is not None:
                self._degraded_since.setdefault(key, transition.at)
            else:
                self._degraded_since.pop(key, None)
                self._degraded_told.discard(key)
            if transition.link is None:
                self._site_changed(transition)
            else:
                self._link_changed(transition)
                if LinkState.ERROR in (transition.old, transition.new):
                    self._error_changed(transition)

    def _count_change(self, key: Key, transition: Transition) -> None:
        if LinkState.DOWN not in (transition.old, transition.new) and \
                LinkState.UNREACHABLE not in (transition.old, transition.new):
            return
        if key[1] is not None and self._topology.single_link(key[0]):
            return  # the site's own changes tell the same story
        changes = self._changes.setdefault(key, deque())
        changes.append(transition.at)
        while changes and changes[0] < transition.at - self._settings.flap_window:
            changes.popleft()
        if len(changes) > self._settings.flap_transitions:
            self._start_flapping(key, transition.at)

    def _start_flapping(self, key: Key, at: float, began: float | None = None) -> None:
        """One "flapping" notification per episode; the episode's outages are logged silently
        from here on. ``began``: the start of its first outage, when known."""
        if key in self._flapping:
            return
        self._flapping.add(key)
        site, link = key
        known = [began] if began is not None else []
        if key in self._held:
            known.append(self._held[key].outage.started_at)
        if key in self._open:
            known.append(self._open[key].started_at)
        started = min(known, default=at)
        self._episode_start[key] = started
        if self._calendar is not None and self._calendar.active(site, at):
            return
        self._queue(Notification(EventKind.FLAPPING, at, site, self._titles[site], link=link,
                                 started_at=started, changes=len(self._changes.get(key, ()))))

    def _site_changed(self, t: Transition) -> None:
        key: Key = (t.site, None)
        if t.new in (LinkState.DOWN, LinkState.UNREACHABLE):
            outage = self._open.get(key)
            root = None if t.new is LinkState.DOWN else self._cut_above(t.site)
            if outage is None:
                self._down_again(key, t.at)
                outage = self._start(key, t.since, root)
            elif outage.root != root:
                outage.root = root
                self._log.set_root(outage.id, root)
            if not outage.announced and not outage.planned:
                self._pending().downs.append(key)
        elif t.new in (LinkState.UP, LinkState.DEGRADED) and key in self._open:
            self._finish(key, t.since)

    def _link_changed(self, t: Transition) -> None:
        if self._topology.single_link(t.site):
            return  # the site's own outage says it all
        key: Key = (t.site, t.link)
        if t.new is LinkState.DOWN and key not in self._open:
            self._down_again(key, t.at)
            outage = self._start(key, t.since, None)
            if not outage.planned:
                self._pending().downs.append(key)
        elif t.new in (LinkState.UP, LinkState.DEGRADED) and key in self._open:
            self._finish(key, t.since)

    def _start(self, key: Key, at: float, root: str | None) -> _Outage:
        site, link = key
        planned = self._calendar is not None and self._calendar.active(site, at) is not None
        loss, rtt = self._figures.before_cut(site, link)
        outage_id = self._log.open(site, link, at, planned=planned, root_site=root)
        outage = _Outage(outage_id, at, planned, False, root, loss, rtt, reminded_at=at)
        self._open[key] = outage
        return outage

    def on_service_transitions(self, changes: list[ServiceTransition]) -> None:
        """A service failing while its site is reached is its own outage and mail; one that
        becomes unreachable (its site cut) ends its own outage there: the rest is the site's,
        told in the cut's mail."""
        for change in changes:
            key = (change.site, change.service)
            if change.new is ServiceStateKind.DOWN:
                if key not in self._service_open:
                    self._service_down(change)
                continue
            outage = self._service_open.pop(key, None)
            if outage is None:
                continue
            ended = max(change.since, outage.started_at)
            self._log.close_outage(outage.id, ended)
            if change.new is ServiceStateKind.UNREACHABLE:
                # Its site was cut: a "down" still waiting in the group says no more than
                # the cut's mail will.
                self._withdraw(EventKind.SERVICE_DOWN, key)
                continue
            if not outage.announced:
                continue
            ack = self._log.acknowledgement(outage.id)
            self._queue(self._service_notice(EventKind.SERVICE_RECOVERED, change,
                                             started_at=outage.started_at, ended_at=ended,
                                             outage_id=outage.id, acked_by=ack and ack.by,
                                             acked_at=ack and ack.at))

    def on_service_result(self, result: ServiceResult) -> None:
        """A certificate close to its expiry is told once per threshold it has crossed (the
        nearest, when several are crossed at once); kept across restarts, and started over
        for a new certificate."""
        expiry = result.cert_expiry
        self._follow_speed(result)
        service = self._services.get((result.site, result.service))
        limit = service.warn_days if service is not None else None
        if expiry is None or limit is None:
            return
        days_left = (expiry - result.at) / 86400
        crossed = [days for days in CERT_WARNING_DAYS if days <= limit and days_left <= days]
        if not crossed:
            return
        told = self._log.cert_warnings_told(result.site, result.service, expiry)
        if set(crossed) <= told:
            return
        self._log.cert_warning_told(result.site, result.service, expiry, crossed)
        if self._calendar is not None and self._calendar.active(result.site, result.at):
            return
        self._queue(Notification(
            EventKind.CERT_EXPIRING, result.at, result.site, self._titles[result.site],
            service=result.service,
            service_title=service.title, cert_expiry=expiry))

    def _follow_speed(self, result: ServiceResult) -> None:
        """A service slower than its limit, check after check, is told once when that has
        lasted `alerting.degraded_after` (like a degraded link); any check that is fast, or
        fails, ends the streak."""
        key = (result.site, result.service)
        service = self._services.get(key)
        limit = service.degraded_latency if service is not None else None
        if limit is not None and result.success and result.duration >= limit:
            began = self._slow_since.get(key, (result.at, 0.0))[0]
            self._slow_since[key] = (began, result.duration)
        else:
            self._slow_since.pop(key, None)
            self._slow_told.discard(key)

    def _withdraw(self, kind: EventKind, key: tuple[str, str]) -> None:
        if self._group is not None:
            self._take_back([row for row, n in self._group.others.items()
                             if n.kind is kind and (n.site, n.service) == key])

    def _take_back(self, rows: list[int]) -> None:
        """Notifications of the group that will not go out after all."""
        assert self._group is not None
        for row in rows:
            del self._group.others[row]
        if rows:
            self._log.withdraw(rows)

    def _service_down(self, change: ServiceTransition) -> None:
        site = change.site
        planned = self._calendar is not None and self._calendar.active(site, change.since)
        outage_id = self._log.open(site, None, change.since, planned=bool(planned),
                                   service=change.service)
        outage = _Outage(outage_id, change.since, bool(planned), False, reminded_at=change.at)
        self._service_open[(site, change.service)] = outage
        if planned or self.site_in_outage(site):
            return
        self._queue(self._service_notice(EventKind.SERVICE_DOWN, change,
                                         started_at=change.since, outage_id=outage_id))
        outage.announced = True
        self._log.mark_announced(outage_id)

    def _service_notice(self, kind: EventKind, change: ServiceTransition,
                        **times: Any) -> Notification:
        last = change.last
        return Notification(kind, change.at, change.site, self._titles[change.site],
                            service=change.service,
                            service_title=self._service_titles[(change.site, change.service)],
                            failure=last.failure if kind is EventKind.SERVICE_DOWN else None,
                            status_code=last.status_code if kind is EventKind.SERVICE_DOWN
                            else None, **times)

    def _error_changed(self, t: Transition) -> None:
        """A link that cannot be checked is told once; its return only if that went out (or
        is waiting in the group, which then takes it back)."""
        key: Key = (t.site, t.link)
        if self._calendar is not None and self._calendar.active(t.site, t.at):
            return
        if t.new is LinkState.ERROR:
            if key in self._errors_told:
                return
            self._errors_told.add(key)
            self._queue(Notification(EventKind.ERROR, t.at, t.site, self._titles[t.site],
                                     link=t.link, started_at=t.since, reason=t.reason))
            return
        if key not in self._errors_told:
            return
        self._errors_told.discard(key)
        group = self._group
        waiting = [row for row, n in group.others.items() if n.kind is EventKind.ERROR
                   and (n.site, n.link) == key] if group is not None else []
        if waiting:
            self._take_back(waiting)
            return
        self._queue(Notification(EventKind.ERROR_CLEARED, t.at, t.site, self._titles[t.site],
                                 link=t.link, ended_at=t.since))

    def _down_again(self, key: Key, at: float) -> None:
        """A site or link goes down while its last recovery is held: it flaps. The outage
        that ended is closed in the log now, and told by no mail of its own."""
        held = self._held.pop(key, None)
        if held is None:
            return
        self._close(key, held.outage, held.ended_at)
        self._start_flapping(key, at, held.outage.started_at)

    def _finish(self, key: Key, at: float) -> None:
        outage = self._open.pop(key)
        # The store never dates an end before its start; an outage restored from before a
        # restart, or opened from a late verdict, still must not end before it began.
        at = max(at, outage.started_at)
        # The cause is judged when the recovery is told; until then the outage stays open in
        # the log, so a crash in between loses nothing.
        hold = max(self._settings.recovery_hold, self._settings.group_window)
        self._held[key] = _Held(outage, at, self._clock() + hold)

    def _close(self, key: Key, outage: _Outage, ended: float,
               ) -> tuple[Cause, Evidence | None]:
        cause, evidence = self._evidence.cause(key[0], outage.started_at, ended)
        self._log.close_outage(outage.id, ended, cause, evidence)
        return cause, evidence

    def _cut_above(self, site: str) -> str | None:
        """The nearest site above ``site`` that is down: the cut it hangs behind."""
        return self._topology.cut_above(
            site, lambda parent: self._states.get((parent, None)) is LinkState.DOWN)

    def on_notification(self, notification: Notification) -> bool:
        """An event decided elsewhere (a reboot, an agent gone silent) to send with the rest,
        unless its site is in an outage, whose mail then tells the story, or in maintenance.
        Whether it was taken."""
        if self.site_in_outage(notification.site):
            return False
        if self._calendar is not None and self._calendar.active(notification.site,
                                                                notification.at):
            return False
        self._queue(notification)
        return True

    def site_in_outage(self, site: str) -> bool:
        return (site, None) in self._open or (site, None) in self._held

    # -- output --------------------------------------------------------------------------

    def _pending(self) -> _Group:
        if self._group is None:
            self._group = _Group(self._clock() + self._settings.group_window)
        return self._group

    def _queue(self, notification: Notification) -> None:
        group = self._pending()
        group.others[self._log.decide(encode(notification), group.deadline)] = notification

    def tick(self) -> list[Notification]:
        """Notifications due now: a group whose window has passed, reminders, degradations."""
        batch = self.due()
        return [] if batch is None else batch.notifications

    def due(self) -> Batch | None:
        """What `tick` gives, as a batch kept in the outage log until `handed_over`."""
        now = self._clock()
        due: list[Notification] = []
        kept: list[int] = []
        self._check_degraded(now)
        self._check_slow(now)
        self._check_stable(now)
        if self._group is not None and now >= self._group.deadline:
            group, self._group = self._group, None
            kept = list(group.others)
            due += self._flush(group, now)
        released = {key: held for key, held in self._held.items() if now >= held.release_at}
        for key in released:
            del self._held[key]
        if released:
            due += self._recoveries(released, now)
        due += self._reminders(now)
        if not due:
            return None
        self._batches += 1
        number = self._batches
        self._log.fall_due(kept, number)
        for notification in due[len(kept):]:
            self._log.decide(encode(notification), now, number)
        return Batch(number, due)

    def handed_over(self, batch: Batch) -> None:
        """The outbox has ``batch``."""
        self._log.handed_over(batch.number)

    def _flush(self, group: _Group, now: float) -> list[Notification]:
        out: list[Notification] = list(group.others.values())
        for key in dict.fromkeys(group.downs):
            outage = self._open.get(key)
            if outage is None or outage.announced or outage.planned:
                continue
            site, link = key
            if outage.root is not None and (outage.root, None) in self._open:
                continue  # listed in the mail about the cut it hangs behind
            if link is not None and (site, None) in self._open:
                continue  # the whole site is out: its own mail says so
            if key in self._flapping:
                continue
            behind = self._behind(site) if link is None else ()
            out.append(Notification(
                EventKind.DOWN, now, site, self._titles[site], link=link,
                started_at=outage.started_at, loss_before=outage.loss_before,
                rtt_before=outage.rtt_before, affected=behind, outage_id=outage.id,
                affected_services=self._services_of([site, *(a.site for a in behind)])
                if link is None else ()))
            outage.announced = True
            self._log.mark_announced(outage.id)
        return out

    def _recoveries(self, released: dict[Key, _Held], now: float) -> list[Notification]:
        """Recoveries whose hold has passed: logged with their cause, and told unless their
        story is told elsewhere."""
        out: list[Notification] = []
        for key, held in released.items():
            outage, ended = held.outage, held.ended_at
            site, link = key
            cause, evidence = self._close(key, outage, ended)
            if key in self._flapping:
                self._episode_end[key] = ended
                continue
            if outage.planned:
                continue
            if not outage.announced and outage.root is not None:
                continue  # told in the mail about the cut it hung behind
            if link is not None and ((site, None) in released or self.site_in_outage(site)):
                continue  # the whole site was out: its own mail says so
            # An outage whose "down" never went out (it ended within the grouping window)
            # gets one mail, which says both.
            if not outage.announced:
                self._cancel_down(key)
            affected = tuple(
                AffectedSite(other, self._titles[other], "recovered"
                             if other_key in released or other_key in self._held
                             else str(self._states.get(other_key, LinkState.UNKNOWN)))
                for other_key in self._children_of(site, released)
                for other in (other_key[0],))
            ack = self._log.acknowledgement(outage.id)
            out.append(Notification(
                EventKind.RECOVERED, now, site, self._titles[site], link=link,
                started_at=outage.started_at, ended_at=ended, cause=cause, evidence=evidence,
                loss_before=outage.loss_before, rtt_before=outage.rtt_before,
                affected=affected if link is None else (), outage_id=outage.id,
                acked_by=ack and ack.by, acked_at=ack and ack.at))
        return out

    def _behind(self, root: str) -> tuple[AffectedSite, ...]:
        return tuple(AffectedSite(site, self._titles[site], str(self._states.get(
            (site, None), LinkState.UNREACHABLE)))
            for (site, link), outage in self._open.items()
            if link is None and outage.root == root)

    def _services_of(self, sites: list[str]) -> tuple[tuple[str, str], ...]:
        """(site, title) of every service of ``sites``."""
        return tuple((site, title) for (site, _), title in self._service_titles.items()
                     if site in sites)

    def _cancel_down(self, key: Key) -> None:
        if self._group is not None:
            self._group.downs = [k for k in self._group.downs if k != key]

    def _children_of(self, root: str, released: dict[Key, _Held]) -> list[Key]:
        found = [key for key, held in released.items()
                 if key[1] is None and held.outage.root == root]
        found += [key for key, held in self._held.items()
                  if key[1] is None and held.outage.root == root and key not in found]
        found += [key for key, outage in self._open.items()
                  if key[1] is None and outage.root == root]
        return found

    def _reminders(self, now: float) -> list[Notification]:
        every = self._settings.reminder_interval
        if not every:
            return []
        out = []
        for (site, link), outage in self._open.items():
            if not outage.announced or outage.planned or outage.root is not None:
                continue
            if now - outage.reminded_at >= every:
                outage.reminded_at = now
                if self._log.acknowledgement(outage.id) is not None:
                    continue  # someone has it in hand: no more reminders
                out.append(Notification(
                    EventKind.REMINDER, now, site, self._titles[site], link=link,
                    started_at=outage.started_at, affected=self._behind(site),
                    outage_id=outage.id))
        return out

    def _check_degraded(self, now: float) -> None:
        for key, since in self._degraded_since.items():
            if key in self._degraded_told or now - since < self._settings.degraded_after:
                continue
            self._degraded_told.add(key)
            site, link = key
            loss, rtt = self._figures.before_cut(site, link)
            self._queue(Notification(EventKind.DEGRADED, now, site, self._titles[site],
                                     link=link, started_at=since, loss_before=loss,
                                     rtt_before=rtt))

    def _check_slow(self, now: float) -> None:
        for key, (since, latency) in self._slow_since.items():
            if key in self._slow_told or now - since < self._settings.degraded_after:
                continue
            self._slow_told.add(key)
            site, name = key
            if self._calendar is not None and self._calendar.active(site, now):
                continue
            self._queue(Notification(
                EventKind.SERVICE_SLOW, now, site, self._titles[site], service=name,
                service_title=self._services[key].title, started_at=since, latency=latency,
                latency_limit=self._services[key].degraded_latency))

    def _check_stable(self, now: float) -> None:
        for key in list(self._flapping):
            changes = self._changes.get(key)
            last = max([changes[-1]] if changes else [], default=self._episode_start[key])
            if now - last < self._settings.flap_stable:
                continue
            self._flapping.discard(key)
            began = self._episode_start.pop(key)
            site, link = key
            state = self._states.get(key, LinkState.UNKNOWN)
            log.info("%s%s is stable again (%s)", site, f"/{link}" if link else "", state)
            outage = self._open.get(key)
            if outage is not None and not outage.announced and not outage.planned:
                self._pending().downs.append(key)
            elif outage is None:
                held = self._held.pop(key, None)
                ended = self._episode_end.pop(key, last)
                if held is not None:
                    self._close(key, held.outage, held.ended_at)
                    ended = held.ended_at
                if self._calendar is not None and self._calendar.active(site, now):
                    continue
                self._queue(Notification(EventKind.RECOVERED, now, site, self._titles[site],
                                         link=link, started_at=began, ended_at=ended,
                                         after_flapping=True))
