"""An SNMPv2c agent on loopback that answers as a broken or hostile device would.

It decodes each request with pysnmp's own message types and answers:
- ``growing``: row after row under the column asked, so a walk never leaves it (a table
  that never ends);
- ``going_back``: the OID asked, again (OIDs that do not increase);
- ``huge``: an OCTET STRING of 30,000 bytes in a column, then the end of every column;
- ``garbage``: random bytes instead of a message;
- ``typed``: two rows of every column asked, then past it, with every value taken in turn
  from ``values`` (any SNMP type, any content: a property test draws them);
- ``mutate``: a plain answer (two rows of every column), whose bytes ``mutate`` changes.
Scalars (sysUpTime, sysName…) are answered plainly, so a poll gets as far as its walks.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Sequence
from typing import Any

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

_V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
MODES = ("growing", "going_back", "huge", "garbage", "typed", "mutate")
PAST = (1, 3, 6, 1, 9, 9, 9)
"""An OID past every column a poll walks."""


class HostileAgent(asyncio.DatagramProtocol):
    def __init__(self, mode: str, values: Sequence[Any] = (),
                 mutate: Callable[[bytes], bytes] = bytes) -> None:
        assert mode in MODES
        self.mode = mode
        self._values = itertools.cycle(values) if values else None
        self._mutate = mutate
        self.requests = 0
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> HostileAgent:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", 0))
        self.port = self._transport.get_extra_info("sockname")[1]
        return self

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def datagram_received(self, data: bytes, addr) -> None:
        self.requests += 1
        assert self._transport is not None
        if self.mode == "garbage":
            self._transport.sendto(os.urandom(64 + self.requests % 200), addr)
            return
        message, _ = decoder.decode(data, asn1Spec=_V2C.Message())
        request = _V2C.apiMessage.get_pdu(message)
        response = _V2C.apiMessage.get_response(message)
        pdu = _V2C.apiMessage.get_pdu(response)
        asked = [oid for oid, _ in _V2C.apiPDU.get_varbinds(request)]
        bulk = request.isSameTypeWith(_V2C.GetBulkRequestPDU())
        scalars = _V2C.apiBulkPDU.get_non_repeaters(request) if bulk else 0
        repetitions = _V2C.apiBulkPDU.get_max_repetitions(request) if bulk else 1
        if not bulk and self.mode in ("typed", "mutate"):  # a GET: every OID asked, answered
            scalars, repetitions = len(asked), 0
        answer = [(_V2C.ObjectIdentifier((*tuple(oid), 0) if bulk else tuple(oid)),
                   self._value(_V2C.TimeTicks(12345))) for oid in asked[:scalars]]
        columns = asked[scalars:]
        for step in range(min(repetitions, 10)):
            for position, oid in enumerate(columns):
                answer.append(self._next(tuple(oid), step, position))
        _V2C.apiPDU.set_varbinds(pdu, answer)
        encoded = encoder.encode(response)
        self._transport.sendto(self._mutate(encoded) if self.mode == "mutate" else encoded,
                               addr)

    def _value(self, plain: Any) -> Any:
        return next(self._values) if self.mode == "typed" and self._values else plain

    def _next(self, oid: tuple[int, ...], step: int, position: int) -> tuple:
        if self.mode in ("typed", "mutate"):
            # Two rows of the column, then past it (a column asked from a row: the next).
            if len(oid) < 12 and step < 2:
                return (_V2C.ObjectIdentifier((*oid, step + 1)),
                        self._value(_V2C.Integer(step + 1)))
            return _V2C.ObjectIdentifier(PAST), _V2C.Integer(0)
        if self.mode == "growing":
            # A table that never ends: row after row under the column asked.
            if len(oid) < 12:
                return _V2C.ObjectIdentifier((*oid, step + 1)), _V2C.Integer(1)
            return _V2C.ObjectIdentifier((*oid[:-1], oid[-1] + step + 1)), _V2C.Integer(1)
        if self.mode == "going_back":
            return _V2C.ObjectIdentifier(oid), _V2C.Integer(1)  # the OID asked, again
        # huge: the first column's first row a 30,000-byte string, then past every column.
        if step == 0 and position == 0 and oid[-1] != 7:
            return _V2C.ObjectIdentifier((*oid, 7)), _V2C.OctetString(b"x" * 30_000)
        return _V2C.ObjectIdentifier(PAST), _V2C.Integer(0)
