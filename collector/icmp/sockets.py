"""Opening ICMP sockets through icmplib: the one place that imports it.

icmplib knows how to ask the kernel for a datagram ("ping") socket or a raw
one and how to tell a permission refusal from other failures; the pinger then
drives the bare socket itself, so that one socket serves every target.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
from dataclasses import dataclass
from enum import StrEnum

from icmplib import ICMPv4Socket, ICMPv6Socket
from icmplib.exceptions import ICMPSocketError, SocketPermissionError

from collector.errors import IcmpUnavailableError

log = logging.getLogger(__name__)

# Linux values; the socket module does not export them.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
SOL_RAW = 255
ICMP_FILTER = 1
ICMP6_FILTER = 1

_PERMISSION_ADVICE = (
    "the collector may open neither an unprivileged ICMP (datagram) socket nor a raw one. "
    "Either allow ping sockets for its group: "
    "sysctl -w net.ipv4.ping_group_range='0 2147483647' "
    "(make it permanent in /etc/sysctl.d/), "
    "or give the collector CAP_NET_RAW "
    "(AmbientCapabilities=CAP_NET_RAW in its systemd unit, or run it as root)"
)


class SocketKind(StrEnum):
    DATAGRAM = "datagram"
    RAW = "raw"


@dataclass(frozen=True)
class OpenedSocket:
    """An ICMP socket ready for non-blocking use.

    ``owner`` is the icmplib object; it closes the socket when collected, so it
    is kept alive beside the socket.
    """

    owner: object
    sock: socket.socket
    kind: SocketKind
    family: int

    @property
    def has_ip_header(self) -> bool:
        return self.kind is SocketKind.RAW and self.family == socket.AF_INET


def _open(family: int, kind: SocketKind) -> OpenedSocket:
    factory = ICMPv4Socket if family == socket.AF_INET else ICMPv6Socket
    owner = factory(privileged=kind is SocketKind.RAW)
    return OpenedSocket(owner=owner, sock=owner.sock, kind=kind, family=family)


def open_icmp_socket(family: int, wanted: str, receive_buffer: int) -> OpenedSocket:
    """Open an ICMP socket of the wanted kind ("auto", "datagram" or "raw").

    "auto" prefers a datagram socket: the kernel then hands it only our own
    replies, where a raw socket sees every ICMP packet the host receives.
    """
    kinds = [SocketKind(wanted)] if wanted != "auto" else [SocketKind.DATAGRAM, SocketKind.RAW]
    refused: list[str] = []
    for kind in kinds:
        try:
            opened = _open(family, kind)
        except SocketPermissionError:
            refused.append(kind.value)
            continue
        except ICMPSocketError as err:
            raise IcmpUnavailableError(f"cannot open an ICMP {kind.value} socket: {err}") from err
        _prepare(opened, receive_buffer)
        return opened
    if wanted == "auto":
        raise IcmpUnavailableError(_PERMISSION_ADVICE)
    raise IcmpUnavailableError(
        f"icmp.socket is '{wanted}' but the kernel refused that socket kind; "
        f"set icmp.socket to auto, or: {_PERMISSION_ADVICE}"
    )


def _prepare(opened: OpenedSocket, receive_buffer: int) -> None:
    sock = opened.sock
    sock.setblocking(False)
    # Kernel receive timestamps make RTTs independent of event-loop latency.
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    _set_receive_buffer(sock, receive_buffer)
    if opened.kind is SocketKind.RAW:
        _pass_only_echo_replies(sock, opened.family)


def _set_receive_buffer(sock: socket.socket, size: int) -> None:
    # A burst of replies arrives while we are still sending; an unread default
    # buffer keeps only a fraction of them. FORCE passes rmem_max when privileged.
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    granted = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
    if granted < size:
        log.warning(
            "ICMP receive buffer is %d bytes, not the %d configured: raise net.core.rmem_max "
            "or replies to large rounds may be dropped",
            granted,
            size,
        )


def _pass_only_echo_replies(sock: socket.socket, family: int) -> None:
    # A raw socket otherwise wakes us for every ICMP packet the host receives.
    try:
        if family == socket.AF_INET:
            blocked = 0xFFFFFFFF & ~(1 << 0)  # bit per ICMP type; type 0 is echo reply
            sock.setsockopt(SOL_RAW, ICMP_FILTER, struct.pack("I", blocked))
        else:
            words = [0xFFFFFFFF] * 8
            words[129 >> 5] &= ~(1 << (129 & 31))  # type 129 is echo reply
            sock.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("8I", *words))
    except OSError as err:
        log.debug("ICMP type filter not available: %s", os.strerror(err.errno or 0))
