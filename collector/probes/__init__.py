"""Kinds of checks, one module each; every module here with a ``KIND`` is registered.

Adding a kind is a module here (its spec, schedule and probe), its recorder in
``collector.state`` (or the module itself), and its config model: nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil

from collector.probes.base import (
    Outcome,
    Probe,
    ProbeContext,
    ProbeKind,
    Recorder,
    Scheduled,
    WireForm,
)

__all__ = ["Outcome", "Probe", "ProbeContext", "ProbeKind", "Recorder", "Scheduled", "WireForm",
           "kinds"]


def kinds() -> dict[str, ProbeKind]:
    """Every registered kind by name, in module order."""
    found: dict[str, ProbeKind] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        kind = getattr(importlib.import_module(f"{__name__}.{module}"), "KIND", None)
        if isinstance(kind, ProbeKind):
            found[kind.name] = kind
    return found
