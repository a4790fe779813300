"""Echo request building and echo reply parsing, IPv4 and IPv6.

The checksum of a request differs from the previous one only by the sequence
number, so the payload's share of it is summed once and each packet costs a
handful of integer operations instead of a pass over its bytes.
"""

from __future__ import annotations

import struct

ECHO_REQUEST_V4 = 8
ECHO_REPLY_V4 = 0
ECHO_REQUEST_V6 = 128
ECHO_REPLY_V6 = 129

_HEADER = struct.Struct("!BBHHH")
_ID_SEQ = struct.Struct("!HH")


def _ones_complement_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


class EchoRequestBuilder:
    """Builds echo requests with a fixed type, identifier and payload."""

    def __init__(self, icmp_type: int, identifier: int, payload: bytes) -> None:
        self._type = icmp_type
        self._identifier = identifier
        self._payload = payload
        self._partial_sum = (icmp_type << 8) + identifier + _ones_complement_sum(payload)

    def build(self, sequence: int) -> bytes:
        total = self._partial_sum + sequence
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        checksum = ~total & 0xFFFF
        return _HEADER.pack(self._type, 0, checksum, self._identifier, sequence) + self._payload


def parse_echo_reply(packet: bytes, has_ip_header: bool, reply_type: int) -> tuple[int, int] | None:
    """Return (identifier, sequence) of an echo reply, or None for anything else.

    Raw IPv4 sockets hand over the IP header too; datagram sockets and IPv6 do not.
    """
    offset = (packet[0] & 0x0F) * 4 if has_ip_header and packet else 0
    if len(packet) < offset + 8 or packet[offset] != reply_type:
        return None
    return _ID_SEQ.unpack_from(packet, offset + 4)
