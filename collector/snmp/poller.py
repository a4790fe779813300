"""The poller: one device at a time, discovery now and then, a cheap poll every interval.

Discovery walks every column of the device's profiles once: it learns the rows (which
interfaces exist, their names and aliases), reads the static columns, and finds which
64-bit columns the device has, so that 32-bit twins are derived instead of read. A poll
then reads only what changes: the non-static scalars and the polled columns, in GETBULK
requests (or GETs of the kept rows when a filter keeps few of many). Discovery happens
again every `snmp.label_refresh`, and at once when the device restarted or its number of
interfaces changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from collector.config import CollectorConfig, Device
from collector.config.snmp import InterfaceFilter
from collector.snmp.client import SnmpClient, SnmpError, SnmpErrorKind, SnmpTarget, Value
from collector.snmp.profiles import Column, Profile, Scalar, Table, ValueType, load_profiles
from collector.snmp.samples import DevicePoll, InterfaceStatus, Labels, Sample, mac_of, text_of
from collector.snmp.state import rebooted

log = logging.getLogger(__name__)

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
_LOW32 = 0xFFFFFFFF


@dataclass
class _TableLayout:
    table: Table
    rows: dict[str, Labels]
    """Kept rows (after the interface filter): index -> labels."""
    all_rows: int
    last_index: str | None
    polled: list[Column]
    derived: list[Column]
    static: dict[str, dict[str, Sample]]
    """Index -> column name -> the static column's sample."""
    watched: dict[str, Value] = field(default_factory=dict)
    """Last value, per row, of the column that static ones are re-read on."""


@dataclass
class _DeviceLayout:
    discovered_at: float
    scalars: list[Scalar]
    tables: list[_TableLayout] = field(default_factory=list)
    static_samples: list[Sample] = field(default_factory=list)
    if_number: int | None = None
    uptime: tuple[int, float] | None = None


class _Count:
    def __init__(self) -> None:
        self.varbinds = 0
        self.malformed = 0


class SnmpPoller:
    def __init__(self, config: CollectorConfig, client: SnmpClient | None = None,
                 clock: Callable[[], float] = time.time,
                 profiles: dict[str, Profile] | None = None) -> None:
        self._config = config
        self._client = client or SnmpClient(config.snmp.max_in_flight)
        self._clock = clock
        self._profiles = profiles if profiles is not None else load_profiles(
            config.snmp.profile_dirs)
        self._devices: dict[tuple[str, str], Device] = {
            (site.name, device.name): device for site in config.sites for device in site.devices}
        self._layouts: dict[tuple[str, str], _DeviceLayout] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._series: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        self._client.close()

    def series_count(self, site: str, device: str) -> int | None:
        return self._series.get((site, device))

    def _target(self, device: Device) -> SnmpTarget:
        snmp = self._config.snmp
        return SnmpTarget(str(device.address), device.port, self._config.auths[device.auth],
                          snmp.timeout, snmp.retries)

    async def poll(self, site: str, name: str) -> DevicePoll:
        """One poll of one device; never raises for what the device answers or fails to."""
        key = (site, name)
        async with self._locks.setdefault(key, asyncio.Lock()):
            started = time.monotonic()
            requests_before = self._client.requests
            interval = self._devices[key].interval
            try:
                # A poll never outlasts its interval, whatever the device answers.
                async with asyncio.timeout(interval):
                    poll = await self._poll(key)
            except SnmpError as err:
                poll = DevicePoll(site, name, self._clock(), 0.0, err.kind, err.detail)
            except TimeoutError:
                poll = DevicePoll(site, name, self._clock(), 0.0, SnmpErrorKind.TIMEOUT,
                                  f"the poll did not finish within its interval "
                                  f"({interval:g} s)")
            poll = replace(poll, duration=time.monotonic() - started,
                           requests=self._client.requests - requests_before)
            if poll.error is None:
                self._series[key] = len(poll.samples)
            return poll

    async def _poll(self, key: tuple[str, str]) -> DevicePoll:
        device = self._devices[key]
        target = self._target(device)
        count = _Count()
        layout = self._layouts.get(key)
        discovered = layout is None or (
            self._clock() - layout.discovered_at >= self._config.snmp.label_refresh)
        if discovered:
            layout = await self._discover(target, device, count)
        assert layout is not None
        values, tables, read_at = await self._read(target, layout, count)
        if not discovered and self._changed(layout, values, read_at):
            # Rows, names or counters may have changed under us: learn them again, then read.
            layout = await self._discover(target, device, count)
            values, tables, read_at = await self._read(target, layout, count)
            discovered = True
        self._layouts[key] = layout
        uptime = values.get(SYS_UPTIME)
        if isinstance(uptime, int) and uptime:
            layout.uptime = (uptime, read_at)
        samples = [*layout.static_samples]
        for scalar in layout.scalars:
            sample = _sample(scalar, (), values.get(scalar.oid), count)
            if sample is not None:
                samples.append(sample)
        interfaces: list[InterfaceStatus] = []
        for table, rows in zip(layout.tables, tables, strict=True):
            await self._reread_changed(target, table, rows, count)
            samples += _table_samples(table, rows, count)
            if table.table.index == "ifIndex":
                interfaces += _interfaces(table, rows)
        if not samples:
            raise SnmpError(SnmpErrorKind.NO_SUCH_OBJECT,
                            "the device has none of the objects of its profiles")
        return DevicePoll(key[0], key[1], self._clock(), 0.0, samples=tuple(samples),
                          uptime_ticks=uptime if isinstance(uptime, int) else None,
                          uptime_read_at=read_at,
                          interfaces=tuple(interfaces), varbinds=count.varbinds,
                          malformed=count.malformed, discovered=discovered)

    def _changed(self, layout: _DeviceLayout, values: dict[str, Value], read_at: float) -> bool:
        if_number = values.get(IF_NUMBER)
        if isinstance(if_number, int) and if_number != layout.if_number:
            return True
        uptime = values.get(SYS_UPTIME)
        return (isinstance(uptime, int) and uptime != 0 and layout.uptime is not None
                and rebooted(layout.uptime, uptime, read_at))

    async def _read(self, target: SnmpTarget, layout: _DeviceLayout, count: _Count,
                    ) -> tuple[dict[str, Value], list[dict[str, dict[str, Value]]], float]:
        """The polled scalars, per table polled column OID -> {index: value}, and when the
        scalars were read."""
        scalars = [s.oid for s in layout.scalars]
        if IF_NUMBER not in scalars:
            scalars.append(IF_NUMBER)
        tables: list[dict[str, dict[str, Value]]] = []
        values: dict[str, Value] | None = None
        read_at = 0.0
        for table in layout.tables:
            if not table.rows or not table.polled:
                tables.append({c.oid: {} for c in table.polled})
                continue
            if len(table.rows) * 2 < table.all_rows:
                # A filter keeps few rows of many: asking for them is cheaper than walking all.
                oids = [f"{c.oid}.{i}" for c in table.polled for i in table.rows]
                got = await self._client.get(target, oids)
                count.varbinds += len(got)
                tables.append({c.oid: {i: got.get(f"{c.oid}.{i}") for i in table.rows}
                               for c in table.polled})
                continue
            repetitions = min(self._config.snmp.max_repetitions, table.all_rows)
            got_scalars, walked, at = await self._client.get_and_walk(
                target, scalars if values is None else (), [c.oid for c in table.polled],
                repetitions, last_index=table.last_index, rows=table.all_rows)
            if values is None:
                values, read_at = got_scalars, at
            count.varbinds += len(got_scalars) + sum(len(rows) for rows in walked.values())
            tables.append(walked)
        if values is None:
            values = await self._client.get(target, scalars)
            read_at = time.time()
            count.varbinds += len(values)
        return values, tables, read_at

    async def _reread_changed(self, target: SnmpTarget, layout: _TableLayout,
                              rows: dict[str, dict[str, Value]], count: _Count) -> None:
        reread = [c for c in layout.table.static if c.reread_when_changed]
        if not reread:
            return
        watched = {c.name: c for c in layout.polled}
        changed = set()
        for column in reread:
            source = watched.get(column.reread_when_changed or "")
            if source is None:
                continue
            for index, value in rows[source.oid].items():
                if layout.watched.get(index, value) != value:
                    changed.add(index)
                layout.watched[index] = value
        if not changed:
            return
        oids = [f"{c.oid}.{i}" for c in reread for i in sorted(changed)]
        values = await self._client.get(target, oids)
        count.varbinds += len(values)
        for column in reread:
            for index in changed:
                sample = _sample(column, layout.rows[index],
                                 values.get(f"{column.oid}.{index}"), count)
                if sample is not None:
                    layout.static.setdefault(index, {})[column.name] = sample

    async def _discover(self, target: SnmpTarget, device: Device,
                        count: _Count) -> _DeviceLayout:
        profiles = [self._profiles[name] for name in device.profiles]
        scalars = [s for p in profiles for s in p.scalars]
        layout = _DeviceLayout(self._clock(), [s for s in scalars if not s.static])
        statics = [s for s in scalars if s.static]
        values = await self._client.get(target, [*(s.oid for s in statics), IF_NUMBER])
        count.varbinds += len(values)
        number = values.get(IF_NUMBER)
        layout.if_number = number if isinstance(number, int) else None
        for scalar in statics:
            sample = _sample(scalar, (), values.get(scalar.oid), count)
            if sample is not None:
                layout.static_samples.append(sample)
        for profile in profiles:
            for table in profile.tables:
                layout.tables.append(
                    await self._discover_table(target, table, device.interfaces, count))
        log.debug("discovered %s:%d", target.address, target.port)
        return layout

    async def _discover_table(self, target: SnmpTarget, table: Table,
                              keep: InterfaceFilter, count: _Count) -> _TableLayout:
        columns = [*(c.oid for c in table.labels), *(c.oid for c in table.static),
                   *(c.oid for c in table.columns)]
        walked = await self._client.walk(target, columns, self._config.snmp.max_repetitions)
        count.varbinds += sum(len(rows) for rows in walked.values())
        indices = sorted({i for rows in walked.values() for i in rows}, key=_index_order)
        present = {c.name for c in table.columns if walked[c.oid]}
        polled = [c for c in table.columns if c.low32_of is None or c.low32_of not in present]
        derived = [c for c in table.columns if c.low32_of is not None and c.low32_of in present]
        rows: dict[str, Labels] = {}
        for index in indices:
            texts = {c.name: text_of(walked[c.oid].get(index)) or "" for c in table.labels}
            names = (texts.get("ifName", ""), texts.get("ifAlias", ""), texts.get("ifDescr", ""))
            if table.index == "ifIndex" and not keep.keeps(names):
                continue
            rows[index] = ((table.index, index), *sorted(texts.items()))
        static: dict[str, dict[str, Sample]] = {}
        for index, labels in rows.items():
            for column in table.static:
                sample = _sample(column, labels, walked[column.oid].get(index), count)
                if sample is not None:
                    static.setdefault(index, {})[column.name] = sample
        layout = _TableLayout(table, rows, len(indices), indices[-1] if indices else None,
                              polled, derived, static)
        for column in table.static:
            source = next((c for c in polled if c.name == column.reread_when_changed), None)
            if source is not None:
                layout.watched.update({i: walked[source.oid].get(i) for i in rows})
        return layout


def _table_samples(layout: _TableLayout, rows: dict[str, dict[str, Value]],
                   count: _Count) -> list[Sample]:
    samples: list[Sample] = []
    by_name = {c.name: c for c in layout.polled}
    for index, labels in layout.rows.items():
        samples += layout.static.get(index, {}).values()
        for column in layout.polled:
            sample = _sample(column, labels, rows[column.oid].get(index), count)
            if sample is not None:
                samples.append(sample)
        for column in layout.derived:
            source = by_name.get(column.low32_of or "")
            value = rows[source.oid].get(index) if source else None
            if isinstance(value, int):
                samples.append(Sample(column.name, labels, float(value & _LOW32), column.type,
                                      column.help))
    return samples


def _interfaces(layout: _TableLayout, rows: dict[str, dict[str, Value]]) -> list[InterfaceStatus]:
    oper = next((c for c in layout.polled if c.name == "ifOperStatus"), None)
    if oper is None:
        return []
    found = []
    for index, labels in layout.rows.items():
        status = rows[oper.oid].get(index)
        if isinstance(status, int):
            names = dict(labels)
            found.append(InterfaceStatus(names.get("ifName", ""), names.get("ifAlias", ""),
                                         status))
    return found


def _sample(column: Column | Scalar, labels: Labels, value: Value, count: _Count
            ) -> Sample | None:
    if value is None:
        return None
    kind, name = column.type, column.name
    if kind in (ValueType.GAUGE, ValueType.COUNTER, ValueType.ENUM_INFO):
        if not isinstance(value, int):
            count.malformed += 1
            return None
        if kind is ValueType.ENUM_INFO:
            text = (column.enum_values or {}).get(value, str(value))
            return Sample(column.exported_name, (*labels, (name, text)), 1.0, kind, column.help)
        return Sample(name, labels, float(value), kind, column.help)
    text = mac_of(value) if kind is ValueType.MAC else text_of(value)
    if text is None:
        count.malformed += 1
        return None
    return Sample(name, (*labels, (name, text)), 1.0, kind, column.help)


def _index_order(index: str) -> tuple[int, ...]:
    return tuple(int(part) for part in index.split(".") if part.isdigit())
