"""ICMP echo probing over one shared socket per address family."""

from collector.icmp.pinger import Pinger
from collector.icmp.result import PingError, PingResult

__all__ = ["PingError", "PingResult", "Pinger"]
