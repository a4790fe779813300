"""A reading as the report the agent sends: compact JSON, gzip-compressed.

Reports cross wireless links many times a day; gzip shrinks one about sevenfold. The bytes made
here are what the spool keeps and what is sent, unchanged, however late.
"""

from __future__ import annotations

import json
import math
import zlib

from agent.readings import Reading
from pantau_wire.agent_report import FORMAT_VERSION, escape_label

CONTENT_TYPE = "application/json"
CONTENT_ENCODING = "gzip"
_GZIP = 31  # zlib's wbits for a gzip header and trailer


def encode(reading: Reading, seq: int, dropped: int) -> bytes:
    """The gzip-compressed JSON report of ``reading`` under sequence number ``seq``.

    ``dropped`` is how many reports the spool has thrown away so far, so the collector can
    show that the history has holes. Samples that are not finite numbers are left out: JSON
    cannot carry them, and the collector would refuse the whole report. Label values are
    escaped (a mount point whose name is not UTF-8, a control character) as the collector
    would.
    """
    report = {
        "version": FORMAT_VERSION,
        "seq": seq,
        "timestamp": reading.timestamp,
        "boot_time": reading.boot_time,
        "dropped": dropped,
        "samples": [[name, {key: escape_label(text) for key, text in labels.items()}, value]
                    for name, labels, value in reading.samples if math.isfinite(value)],
    }
    text = json.dumps(report, separators=(",", ":"), allow_nan=False).encode()
    packer = zlib.compressobj(6, zlib.DEFLATED, _GZIP)
    return packer.compress(text) + packer.flush()


def decode(body: bytes) -> dict:
    """The report inside ``body`` (for ``agent status`` and tests)."""
    return json.loads(zlib.decompress(body, _GZIP))
