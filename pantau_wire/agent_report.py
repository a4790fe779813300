"""What an agent's report holds and how it travels: shared by the agent and the collector.

Pure data, no imports beyond the standard library, so the agent stays small and the collector
validates against exactly what the agent sends. docs/agent.md describes the protocol.

A report is the JSON object ``{"version", "seq", "timestamp", "boot_time", "dropped",
"samples"}``, each sample ``[name, {label: value}, number]``, posted (gzip-encoded) to
``/api/v1/agents/<name>/push``. Who sends it (agent name, site, token) travels in the request,
not in the body, so a report kept in the spool is replayed under the current configuration.
"""

from __future__ import annotations

from collections import namedtuple

FORMAT_VERSION = 1
PUSH_PATH = "/api/v1/agents/{agent}/push"
"""Stores the report; the collector answers ``{"status": "stored" | "duplicate"}``."""
CHECK_PATH = "/api/v1/agents/{agent}/check"
"""Authenticates and validates like a push, stores nothing: what ``agent check`` uses."""
SITE_HEADER = "Pantau-Site"
SENT_AT_HEADER = "Pantau-Sent-At"
"""Unix time (agent clock) at which the request left: with the report's own timestamp it tells
the collector how long the report waited in the spool, without comparing two clocks."""


class Rejection:
    """Why the collector refuses a push: the ``error`` of its JSON answer, and a label value."""

    BAD_TOKEN = "bad_token"
    UNKNOWN_AGENT = "unknown_agent"
    WRONG_SITE = "wrong_site"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    INVALID = "invalid"

    SLOW = "slow"
    """The body did not arrive in time (a link too slow, or a client holding the server):
    nothing wrong with the report, which the agent keeps and sends again."""

    ALL = (BAD_TOKEN, UNKNOWN_AGENT, WRONG_SITE, TOO_LARGE, MALFORMED, INVALID, SLOW)
    CONFIGURATION = frozenset({BAD_TOKEN, UNKNOWN_AGENT, WRONG_SITE})
    """Fixed by changing a configuration."""
    KEEP = CONFIGURATION | {SLOW}
    """The agent keeps the report and tries again later. The other reasons concern the
    report itself, which no retry would change."""


Family = namedtuple("Family", "name type labels help")
"""``name`` as exposed (``_total`` included for counters), ``type`` counter or gauge,
``labels`` the label names in order, ``help`` node_exporter's help text."""


_CPU = ("cpu", "mode")
_FS = ("device", "fstype", "mountpoint")
_DEV = ("device",)
_UNAME = ("sysname", "release", "version", "machine", "nodename", "domainname")

FAMILIES: tuple[Family, ...] = (
    Family("node_cpu_seconds_total", "counter", _CPU, "Seconds the CPUs spent in each mode."),
    Family("node_load1", "gauge", (), "1m load average."),
    Family("node_load5", "gauge", (), "5m load average."),
    Family("node_load15", "gauge", (), "15m load average."),
    Family("node_memory_MemTotal_bytes", "gauge", (), "Memory information field MemTotal_bytes."),
    Family("node_memory_MemAvailable_bytes", "gauge", (),
           "Memory information field MemAvailable_bytes."),
    Family("node_memory_MemFree_bytes", "gauge", (), "Memory information field MemFree_bytes."),
    Family("node_memory_Buffers_bytes", "gauge", (), "Memory information field Buffers_bytes."),
    Family("node_memory_Cached_bytes", "gauge", (), "Memory information field Cached_bytes."),
    Family("node_memory_SwapTotal_bytes", "gauge", (),
           "Memory information field SwapTotal_bytes."),
    Family("node_memory_SwapFree_bytes", "gauge", (), "Memory information field SwapFree_bytes."),
    Family("node_filesystem_size_bytes", "gauge", _FS, "Filesystem size in bytes."),
    Family("node_filesystem_avail_bytes", "gauge", _FS,
           "Filesystem space available to non-root users in bytes."),
    Family("node_filesystem_free_bytes", "gauge", _FS, "Filesystem free space in bytes."),
    Family("node_filesystem_files", "gauge", _FS, "Filesystem total file nodes."),
    Family("node_filesystem_files_free", "gauge", _FS, "Filesystem total free file nodes."),
    Family("node_disk_read_bytes_total", "counter", _DEV,
           "The total number of bytes read successfully."),
    Family("node_disk_written_bytes_total", "counter", _DEV,
           "The total number of bytes written successfully."),
    Family("node_disk_reads_completed_total", "counter", _DEV,
           "The total number of reads completed successfully."),
    Family("node_disk_writes_completed_total", "counter", _DEV,
           "The total number of writes completed successfully."),
    Family("node_disk_io_time_seconds_total", "counter", _DEV,
           "Total seconds spent doing I/Os."),
    Family("node_network_receive_bytes_total", "counter", _DEV,
           "Network device statistic receive_bytes."),
    Family("node_network_transmit_bytes_total", "counter", _DEV,
           "Network device statistic transmit_bytes."),
    Family("node_network_receive_packets_total", "counter", _DEV,
           "Network device statistic receive_packets."),
    Family("node_network_transmit_packets_total", "counter", _DEV,
           "Network device statistic transmit_packets."),
    Family("node_network_receive_errs_total", "counter", _DEV,
           "Network device statistic receive_errs."),
    Family("node_network_transmit_errs_total", "counter", _DEV,
           "Network device statistic transmit_errs."),
    Family("node_network_receive_drop_total", "counter", _DEV,
           "Network device statistic receive_drop."),
    Family("node_network_transmit_drop_total", "counter", _DEV,
           "Network device statistic transmit_drop."),
    Family("node_boot_time_seconds", "gauge", (), "Node boot time, in unixtime."),
    Family("node_time_seconds", "gauge", (), "System time in seconds since epoch (1970)."),
    Family("node_uname_info", "gauge", _UNAME,
           "Labeled system information as provided by the uname system call."),
)

FAMILY_BY_NAME = {family.name: family for family in FAMILIES}


def escape_label(text: str) -> str:
    """``text`` fit to be a label value: a byte that is not UTF-8 (a lone surrogate, as
    ``os.fsdecode`` makes of a mount point's name) becomes ``\\xNN``, another lone surrogate
    ``\\uDNNN``, a control character ``\\xNN``; anything else stays. Both ends use it: the
    agent before it sends, the collector on what it receives."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        point = ord(char)
        if 0xDC80 <= point <= 0xDCFF:
            out.append(f"\\x{point - 0xDC00:02x}")
        elif 0xD800 <= point <= 0xDFFF:
            out.append(f"\\u{point:04x}")
        elif point < 0x20 or 0x7F <= point <= 0x9F:
            out.append(f"\\x{point:02x}")
        else:
            out.append(char)
    return "".join(out)
