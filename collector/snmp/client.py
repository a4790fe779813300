"""The pysnmp adapter: the one module that imports pysnmp.

It owns the process's SnmpEngine and the transport targets, bounds the requests in
flight across all devices, and turns pysnmp's answers into plain Python values (int, bytes,
str for OIDs, None for "no such object") and its failures into `SnmpError` of a small set
of kinds.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    usmAesBlumenthalCfb192Protocol,
    usmAesBlumenthalCfb256Protocol,
    usmAesCfb128Protocol,
    usmHMAC128SHA224AuthProtocol,
    usmHMAC192SHA256AuthProtocol,
    usmHMAC256SHA384AuthProtocol,
    usmHMAC384SHA512AuthProtocol,
    usmHMACSHAAuthProtocol,
    usmNoPrivProtocol,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from collector.config.snmp import AuthProtocol, PrivProtocol, SnmpAuth, SnmpVersion
from collector.errors import PantauError

log = logging.getLogger(__name__)

Value = int | bytes | str | None

_AUTH = {
    AuthProtocol.SHA: usmHMACSHAAuthProtocol,
    AuthProtocol.SHA224: usmHMAC128SHA224AuthProtocol,
    AuthProtocol.SHA256: usmHMAC192SHA256AuthProtocol,
    AuthProtocol.SHA384: usmHMAC256SHA384AuthProtocol,
    AuthProtocol.SHA512: usmHMAC384SHA512AuthProtocol,
}
# net-snmp and most devices extend AES-192/256 keys the Blumenthal way.
_PRIV = {
    PrivProtocol.AES: usmAesCfb128Protocol,
    PrivProtocol.AES192: usmAesBlumenthalCfb192Protocol,
    PrivProtocol.AES256: usmAesBlumenthalCfb256Protocol,
}
_AUTH_FAILURES = (
    errind.UnknownUserName, errind.WrongDigest, errind.DecryptionError,
    errind.AuthenticationError, errind.AuthenticationFailure, errind.UnsupportedSecurityLevel,
    errind.NotInTimeWindow, errind.UnknownSecurityName, errind.UnknownCommunityName,
    errind.UnsupportedAuthProtocol, errind.UnsupportedPrivProtocol, errind.EncryptionError,
)
_NO_SUCH = (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView)
_INTEGERS = (rfc1902.Integer32, rfc1902.Integer, rfc1902.Counter32, rfc1902.Counter64,
             rfc1902.Gauge32, rfc1902.Unsigned32, rfc1902.TimeTicks)
# Bounds on one walk, against agents whose OIDs never stop increasing: requests, and rows
# of one column (a router with more interfaces than this is no router of this office).
MAX_WALK_REQUESTS = 1_000
MAX_ROWS = 10_000
MAX_OCTETS = 1024
"""An OCTET STRING keeps this many bytes at most (names, aliases and MACs are far shorter)."""
_MAX_CACHED_OIDS = 50_000


class SnmpErrorKind(StrEnum):
    """Why a poll failed. A small fixed set: it becomes a metric label.

    A wrong v2c community looks exactly like a timeout: agents drop such requests silently."""

    TIMEOUT = "timeout"
    AUTH = "auth"
    NO_SUCH_OBJECT = "no_such_object"
    MALFORMED = "malformed"
    AGENT_ERROR = "agent_error"
    OTHER = "other"


class SnmpError(PantauError):
    def __init__(self, kind: SnmpErrorKind, detail: str) -> None:
        super().__init__(f"{kind.value}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class SnmpTarget:
    """Where and how to reach one device's agent."""

    address: str
    port: int
    auth: SnmpAuth
    timeout: float
    retries: int


def _text_of_ip(value: object) -> str:
    return str(ipaddress.IPv4Address(bytes(value)))  # type: ignore[call-overload]


_CONVERTERS: dict[type, object] = {
    **{kind: int for kind in _INTEGERS},
    **{kind: lambda _value: None for kind in _NO_SUCH},
    rfc1902.IpAddress: _text_of_ip,
    # An OID value decodes as pyasn1's own type, not pysnmp's subclass of it.
    univ.ObjectIdentifier: str,
    rfc1902.OctetString: lambda value: bytes(value)[:MAX_OCTETS],
    rfc1902.Opaque: lambda value: bytes(value)[:MAX_OCTETS],
    rfc1902.Bits: lambda value: bytes(value)[:MAX_OCTETS],
}


def _convert(value: object) -> Value:
    # A dict on the exact type: this runs for every value of every poll.
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        for kind, candidate in _CONVERTERS.items():
            if isinstance(value, kind):
                convert = candidate
                break
        else:
            raise SnmpError(SnmpErrorKind.MALFORMED,
                            f"value of unexpected type {type(value).__name__}")
    return convert(value)  # type: ignore[operator]


class SnmpClient:
    def __init__(self, max_in_flight: int = 64) -> None:
        self._engines = [SnmpEngine()]
        self._credential_sets: dict[str, list[SnmpAuth]] = {}
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self._transports: dict[SnmpTarget, object] = {}
        self._auth: dict[SnmpAuth, object] = {}
        self._context = ContextData()
        self._objects: dict[str, ObjectType] = {}
        self.requests = 0

    def close(self) -> None:
        for engine in self._engines:
            engine.close_dispatcher()

    def _engine(self, auth: SnmpAuth) -> SnmpEngine:
        # pysnmp keeps v3 users in a table keyed by user name: two auths with one user name
        # but different keys (the same account, keyed per site) would overwrite each other
        # in one engine. The n-th distinct set of keys for a name gets the n-th engine.
        if auth.version is SnmpVersion.V2C or auth.username is None:
            return self._engines[0]
        variants = self._credential_sets.setdefault(auth.username, [])
        if auth not in variants:
            variants.append(auth)
        index = variants.index(auth)
        while len(self._engines) <= index:
            self._engines.append(SnmpEngine())
        return self._engines[index]

    def _object(self, oid: str) -> ObjectType:
        # pysnmp resolves a request OID against its MIB view once per ObjectType; reusing
        # the resolved object for the OIDs asked at every poll spares that lookup.
        found = self._objects.get(oid)
        if found is None:
            if len(self._objects) >= _MAX_CACHED_OIDS:
                self._objects.clear()
            found = self._objects[oid] = ObjectType(ObjectIdentity(oid))
        return found

    def _auth_data(self, auth: SnmpAuth) -> object:
        data = self._auth.get(auth)
        if data is None:
            if auth.version is SnmpVersion.V2C:
                assert auth.community is not None
                data = CommunityData(auth.community.reveal(), mpModel=1)
            else:
                assert auth.username is not None and auth.auth_key is not None
                data = UsmUserData(
                    auth.username,
                    authKey=auth.auth_key.reveal(),
                    privKey=auth.priv_key.reveal() if auth.priv_key else None,
                    authProtocol=_AUTH[auth.auth_protocol],
                    privProtocol=_PRIV[auth.priv_protocol] if auth.priv_key else usmNoPrivProtocol,
                )
            self._auth[auth] = data
        return data

    async def _transport(self, target: SnmpTarget) -> object:
        transport = self._transports.get(target)
        if transport is None:
            factory = Udp6TransportTarget if ":" in target.address else UdpTransportTarget
            transport = await factory.create((target.address, target.port),
                                             timeout=target.timeout, retries=target.retries)
            self._transports[target] = transport
        return transport

    async def _request(self, command, target: SnmpTarget, *args) -> tuple:
        transport = await self._transport(target)
        auth = self._auth_data(target.auth)
        async with self._in_flight:
            self.requests += 1
            try:
                indication, status, index, varbinds = await command(
                    self._engine(target.auth), auth, transport, self._context, *args,
                    lookupMib=False)
            except (PyAsn1Error, PySnmpError) as err:
                raise SnmpError(SnmpErrorKind.MALFORMED, str(err)) from err
        if indication:
            kind = (SnmpErrorKind.TIMEOUT if isinstance(indication, errind.RequestTimedOut)
                    else SnmpErrorKind.AUTH if isinstance(indication, _AUTH_FAILURES)
                    else SnmpErrorKind.OTHER)
            raise SnmpError(kind, str(indication))
        if status:
            raise SnmpError(SnmpErrorKind.AGENT_ERROR,
                            f"{status.prettyPrint()} at varbind {int(index)}")
        return varbinds

    async def get(self, target: SnmpTarget, oids: Sequence[str],
                  max_varbinds: int = 40) -> dict[str, Value]:
        """Values of full instance OIDs; a missing instance maps to None."""
        values: dict[str, Value] = {}
        for start in range(0, len(oids), max_varbinds):
            chunk = [self._object(oid) for oid in oids[start:start + max_varbinds]]
            for oid, value in await self._request(get_cmd, target, *chunk):
                values[str(oid)] = _convert(value)
        return values

    async def walk(self, target: SnmpTarget, columns: Sequence[str], max_repetitions: int,
                   last_index: str | None = None) -> dict[str, dict[str, Value]]:
        """Every row of the given columns, walked together with GETBULK: column OID ->
        {index suffix: value}. A column the agent does not have comes back empty.

        With ``last_index`` (the last row known from discovery) a column ends at that row,
        which spares the request that would only find the column's end."""
        _, rows, _ = await self.get_and_walk(target, (), columns, max_repetitions, last_index)
        return rows

    async def get_and_walk(self, target: SnmpTarget, scalars: Sequence[str],
                           columns: Sequence[str], max_repetitions: int,
                           last_index: str | None = None, rows: int | None = None,
                           ) -> tuple[dict[str, Value], dict[str, dict[str, Value]], float]:
        """Scalars (full instance OIDs) and a walk of columns, the scalars riding in the
        first GETBULK as non-repeaters: one request where a GET and a walk would take two.
        ``rows`` (known from discovery, with ``last_index``) sizes follow-up requests.
        Also returns when the scalars were read (Unix time): sysUpTime is compared with it."""
        scalar_values: dict[str, Value] = {oid: None for oid in scalars}
        rows_found: dict[str, dict[str, Value]] = {column: {} for column in columns}
        prefixes = {column: _oid_tuple(column) for column in columns}
        cursor = dict(prefixes)
        last = _oid_tuple(last_index) if last_index else None
        # GETNEXT of an instance's parent answers the instance itself, if it exists.
        pending = [(oid, oid.rsplit(".", 1)[0]) for oid in scalars]
        read_at = 0.0
        for _ in range(MAX_WALK_REQUESTS):
            if not cursor and not pending:
                return scalar_values, rows_found, read_at
            asked = list(cursor)
            request = [self._object(parent) for _, parent in pending]
            request += [self._object(".".join(map(str, cursor[column]))) for column in asked]
            repetitions = max_repetitions
            if rows is not None and asked:
                # Agents cap a response (net-snmp at 100 varbinds); when one was cut short,
                # ask only for the rows still missing, or the agent sends, and we decode,
                # rows past the end of the table.
                fewest = min(len(rows_found[column]) for column in asked)
                repetitions = max(1, min(repetitions, rows - fewest))
            varbinds = await self._request(bulk_cmd, target, len(pending),
                                           repetitions if asked else 0, *request)
            if not varbinds:
                raise SnmpError(SnmpErrorKind.MALFORMED, "empty GETBULK response")
            if pending:
                read_at = time.time()
            for (oid, _), (name, value) in zip(pending, varbinds, strict=False):
                if str(name) == oid:
                    scalar_values[oid] = _convert(value)
            repeated = varbinds[len(pending):]
            pending = []
            done: set[str] = set()
            width = len(asked)
            for position, (name, value) in enumerate(repeated):
                column = asked[position % width]
                if column in done:
                    continue
                oid_tuple = name.asTuple()
                prefix = prefixes[column]
                size = len(prefix)
                if oid_tuple[:size] != prefix or isinstance(value, rfc1905.EndOfMibView):
                    done.add(column)  # past the column: it is read
                    continue
                if oid_tuple <= cursor[column]:
                    # RFC 3416 asks for increasing OIDs; an agent that goes back would have
                    # us loop, and what it gave so far cannot be trusted to be the column.
                    raise SnmpError(SnmpErrorKind.MALFORMED,
                                    f"the agent's OIDs do not increase: {name} after "
                                    f"{'.'.join(map(str, cursor[column]))}")
                index = oid_tuple[size:]
                key = str(index[0]) if len(index) == 1 else ".".join(map(str, index))
                rows_found[column][key] = _convert(value)
                if len(rows_found[column]) > MAX_ROWS:
                    raise SnmpError(SnmpErrorKind.MALFORMED,
                                    f"{column} has more than {MAX_ROWS} rows (OIDs that never "
                                    "end?)")
                cursor[column] = oid_tuple
                if index == last:
                    done.add(column)
            for column in done:
                cursor.pop(column, None)
        raise SnmpError(SnmpErrorKind.MALFORMED,
                        f"the walk did not end within {MAX_WALK_REQUESTS} requests")


def _oid_tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split("."))
