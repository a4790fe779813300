"""Pantau agent: reads a server's health and pushes it to the collector."""

__version__ = "0.1.0"
