"""The pinger: one shared socket per address family for every target and round.

Each echo is registered under (reply source address, sequence) before the
event loop can see its reply, and the reply is matched by that key alone, so
there is no task and no socket per target. Receive times come from the kernel
(SO_TIMESTAMPNS) and send times are taken right before ``sendto``; both are
CLOCK_REALTIME, so an RTT does not include the time a reply waited to be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import random
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from collector.icmp.packets import (
    ECHO_REPLY_V4,
    ECHO_REPLY_V6,
    ECHO_REQUEST_V4,
    ECHO_REQUEST_V6,
    EchoRequestBuilder,
    parse_echo_reply,
)
from collector.icmp.result import PingError, PingResult
from collector.icmp.sockets import SO_TIMESTAMPNS, OpenedSocket, SocketKind, open_icmp_socket

log = logging.getLogger(__name__)

_TIMESPEC = struct.Struct("@qq")
_DRAIN_EVERY = 64  # sends between two reads of the socket during a burst
_SEND_RETRIES = 3

_ERRNO_KIND = {
    errno.ENETUNREACH: PingError.NO_ROUTE,
    errno.EHOSTUNREACH: PingError.NO_ROUTE,
    errno.EADDRNOTAVAIL: PingError.NO_ROUTE,
    errno.EPERM: PingError.NOT_PERMITTED,
    errno.EACCES: PingError.NOT_PERMITTED,
}


@dataclass(eq=False)
class _Round:
    """Book-keeping of one round: a slot per target and echo."""

    targets: Sequence[str]
    echoes: int
    timeout_ns: int
    rtts: list[list[float | None]] = field(init=False)
    sent: list[int] = field(init=False)
    errors: list[PingError | None] = field(init=False)
    keys: list[tuple[_Channel, tuple[str, int]]] = field(default_factory=list)
    outstanding: int = 0
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.rtts = [[None] * self.echoes for _ in self.targets]
        self.sent = [0] * len(self.targets)
        self.errors = [None] * len(self.targets)

    def answer(self, index: int, echo: int, rtt_ns: int) -> None:
        self.outstanding -= 1
        if 0 <= rtt_ns <= self.timeout_ns:
            self.rtts[index][echo] = rtt_ns / 1e9
        if self.outstanding == 0:
            self.all_answered.set()

    def results(self) -> list[PingResult]:
        out = []
        for index, target in enumerate(self.targets):
            rtts = tuple(r for r in self.rtts[index] if r is not None)
            out.append(PingResult(target, self.sent[index], len(rtts), rtts, self.errors[index]))
        return out


class _Channel:
    """One ICMP socket of one address family, with the echoes awaiting replies."""

    def __init__(self, opened: OpenedSocket, identifier: int, payload: bytes) -> None:
        self.opened = opened
        self.sock = opened.sock
        v4 = opened.family == socket.AF_INET
        self.reply_type = ECHO_REPLY_V4 if v4 else ECHO_REPLY_V6
        # A datagram socket's identifier is rewritten by the kernel, which also
        # delivers it only its own replies; a raw socket must filter by id itself.
        self.identifier = identifier if opened.kind is SocketKind.RAW else None
        self.builder = EchoRequestBuilder(
            ECHO_REQUEST_V4 if v4 else ECHO_REQUEST_V6, identifier, payload
        )
        self.pending: dict[tuple[str, int], tuple[_Round, int, int, int]] = {}
        self._sequence = random.randrange(0x10000)
        self.receive_errors = 0

    def next_sequence(self, address: str) -> int:
        for _ in range(0x10000):
            self._sequence = (self._sequence + 1) & 0xFFFF
            if (address, self._sequence) not in self.pending:
                return self._sequence
        raise RuntimeError("every ICMP sequence number is in flight")

    def drain(self) -> None:
        """Read every datagram waiting on the socket and match replies."""
        recvmsg = self.sock.recvmsg
        pending = self.pending
        has_ip_header = self.opened.has_ip_header
        while True:
            try:
                data, ancillary, _flags, source = recvmsg(4096, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:
                # Errors queued by ICMP error messages; the echo is simply lost.
                self.receive_errors += 1
                log.debug("ICMP receive error: %s", err)
                continue
            parsed = parse_echo_reply(data, has_ip_header, self.reply_type)
            if parsed is None:
                continue
            identifier, sequence = parsed
            if self.identifier is not None and identifier != self.identifier:
                continue
            entry = pending.pop((source[0], sequence), None)
            if entry is None:
                continue
            received_ns = _kernel_timestamp(ancillary)
            round_, index, echo, sent_ns = entry
            round_.answer(index, echo, received_ns - sent_ns)


def _kernel_timestamp(ancillary: list[tuple[int, int, bytes]]) -> int:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
            return seconds * 1_000_000_000 + nanoseconds
    return time.time_ns()


class Pinger:
    """Sends rounds of echo requests; safe to use from several rounds at once."""

    def __init__(self, socket_mode: str = "auto", receive_buffer: int = 4 << 20,
                 payload_size: int = 56) -> None:
        self._socket_mode = socket_mode
        self._receive_buffer = receive_buffer
        self._payload = bytes(range(payload_size % 256)) + bytes(max(0, payload_size - 256))
        self._identifier = random.randrange(1, 0x10000)
        self._channels: dict[int, _Channel] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def socket_kind(self) -> str | None:
        """The kind of the IPv4 socket ("datagram" or "raw"), once opened."""
        channel = self._channels.get(socket.AF_INET)
        return channel.opened.kind.value if channel else None

    def open(self, families: Sequence[int] = (socket.AF_INET,)) -> None:
        """Open the sockets now, so that a missing privilege stops start-up."""
        for family in families:
            self._channel(family)

    def close(self) -> None:
        for channel in self._channels.values():
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(channel.sock.fileno())
            channel.sock.close()
        self._channels.clear()

    def _channel(self, family: int) -> _Channel:
        channel = self._channels.get(family)
        if channel is None:
            opened = open_icmp_socket(family, self._socket_mode, self._receive_buffer)
            channel = _Channel(opened, self._identifier, self._payload)
            self._channels[family] = channel
            log.info("ICMP %s socket opened (%s)", opened.kind.value,
                     "IPv4" if family == socket.AF_INET else "IPv6")
            if self._loop is not None:
                self._loop.add_reader(channel.sock.fileno(), channel.drain)
        return channel

    def _attach(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        self._loop = loop
        for channel in self._channels.values():
            loop.add_reader(channel.sock.fileno(), channel.drain)

    async def ping(self, targets: Sequence[str], echoes: int, echo_interval: float,
                   timeout: float) -> list[PingResult]:
        """One round: ``echoes`` echoes to every target, ``echo_interval`` apart.

        A reply counts if it arrives within ``timeout`` of its echo. Returns one
        result per target, in the order given.
        """
        self._attach()
        loop = asyncio.get_running_loop()
        round_ = _Round(targets, echoes, int(timeout * 1e9))
        channels = [self._channel(socket.AF_INET6 if ":" in t else socket.AF_INET)
                    for t in targets]
        started = loop.time()
        try:
            for echo in range(echoes):
                if echo:
                    await asyncio.sleep(max(0.0, started + echo * echo_interval - loop.time()))
                await self._send_burst(round_, channels, echo)
            if round_.outstanding:
                # Not wait_for, which in 3.11 can swallow a cancellation (a stop, a reload)
                # that comes as the last reply does.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await round_.all_answered.wait()
            for channel in set(channels):
                channel.drain()
        finally:
            for channel, key in round_.keys:
                channel.pending.pop(key, None)
        return round_.results()

    async def _send_burst(self, round_: _Round, channels: list[_Channel], echo: int) -> None:
        for index, target in enumerate(round_.targets):
            if round_.errors[index] is not None and round_.sent[index] == 0:
                continue
            channel = channels[index]
            sequence = channel.next_sequence(target)
            packet = channel.builder.build(sequence)
            for attempt in range(_SEND_RETRIES + 1):
                sent_ns = time.time_ns()
                try:
                    channel.sock.sendto(packet, (target, 0))
                except (BlockingIOError, InterruptedError) as err:
                    if attempt == _SEND_RETRIES:
                        round_.errors[index] = PingError.SEND_FAILED
                        log.debug("send to %s failed: %s", target, err)
                        break
                    # Send buffer full mid-burst: let the kernel catch up.
                    channel.drain()
                    await asyncio.sleep(0.001)
                    continue
                except OSError as err:
                    round_.errors[index] = _ERRNO_KIND.get(err.errno, PingError.SEND_FAILED)
                    log.debug("send to %s failed: %s", target, err)
                    break
                key = (target, sequence)
                channel.pending[key] = (round_, index, echo, sent_ns)
                round_.keys.append((channel, key))
                round_.sent[index] += 1
                round_.outstanding += 1
                break
            if index % _DRAIN_EVERY == _DRAIN_EVERY - 1:
                channel.drain()
