"""Command line of the Pantau agent."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from agent import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agent",
        description="Pantau agent: reads this server's health and pushes it to the collector. "
        "This release has no agent commands yet; the collector probes links on its own.",
    )
    parser.add_argument("--version", action="version", version=f"pantau agent {__version__}")
    parser.parse_args(argv)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
