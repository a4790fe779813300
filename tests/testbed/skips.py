"""Skip helpers for tests that need the testbed."""

from __future__ import annotations

import os

import pytest

ROOT_REASON = "the namespace testbed needs root (ip netns, veth, nftables); CI runs as root"


def require_root() -> None:
    """Skip the calling test unless it runs as root."""
    if os.geteuid() != 0:
        pytest.skip(ROOT_REASON)
