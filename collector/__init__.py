"""Pantau collector: probes links and devices, keeps their state, exposes it."""

__version__ = "0.1.0"
