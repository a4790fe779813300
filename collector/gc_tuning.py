"""Garbage-collector settings for the collector once it has started.

An SNMP answer is decoded by pyasn1 into thousands of short-lived objects, nearly all freed
by reference counting. CPython's default starts a young-generation collection every 700 net
allocations, so a busy poller collects several times per answer, and every older collection
walks the objects that live for the whole run (pysnmp's MIB tree, the config, the metric
registry). Freezing those after start-up and collecting the young generation less often
takes about a tenth off the CPU of each SNMP poll (bench/snmp_poll.py); the few reference
cycles made per poll wait a little longer before they are freed.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 10_000
"""Net allocations between young-generation collections (CPython's default: 700)."""


def settle_after_start() -> None:
    """Move everything alive now out of the collector's sight and collect less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
