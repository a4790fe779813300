"""Echo request checksums and reply parsing."""

import struct

import pytest

from collector.icmp.packets import ECHO_REPLY_V4, EchoRequestBuilder, parse_echo_reply

pytestmark = pytest.mark.unit


def reference_checksum(packet: bytes) -> int:
    data = packet + b"\x00" * (len(packet) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


@pytest.mark.parametrize("payload", [b"", b"a", bytes(range(56)), b"\xff" * 57])
@pytest.mark.parametrize("sequence", [0, 1, 0x7FFF, 0xFFFF])
def test_checksum_of_every_built_request_verifies(payload, sequence):
    packet = EchoRequestBuilder(8, 0xBEEF, payload).build(sequence)
    # A correct ICMP checksum makes the one's-complement sum of the packet 0xFFFF.
    assert reference_checksum(packet) == 0xFFFF
    assert struct.unpack_from("!BBHHH", packet)[3:] == (0xBEEF, sequence)


def test_parse_reply_with_and_without_ip_header():
    icmp = struct.pack("!BBHHH", ECHO_REPLY_V4, 0, 0, 0x1234, 77) + b"payload"
    ip_header = bytes([0x45]) + bytes(19)
    assert parse_echo_reply(icmp, False, ECHO_REPLY_V4) == (0x1234, 77)
    assert parse_echo_reply(ip_header + icmp, True, ECHO_REPLY_V4) == (0x1234, 77)


@pytest.mark.parametrize("packet", [b"", b"\x00\x00\x00", struct.pack("!BBHHH", 8, 0, 0, 1, 2)])
def test_parse_rejects_short_packets_and_other_types(packet):
    assert parse_echo_reply(packet, False, ECHO_REPLY_V4) is None
