"""Command line: `collector run`, `collector check-config`.

Exit status: 0 success, 1 cannot start (privileges, port in use), 2 bad
configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from collector import __version__
from collector.config import CollectorConfig, load_config
from collector.errors import ConfigError, PantauError

DEFAULT_CONFIG = "/etc/pantau/collector.yml"
EXIT_CANNOT_START = 1
EXIT_BAD_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collector", description="Pantau collector: watches links, exposes metrics.")
    parser.add_argument("--version", action="version", version=f"pantau collector {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (
        ("run", "probe the network and serve /metrics until stopped"),
        ("check-config", "validate the configuration and exit"),
    ):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "-c", "--config", default=os.environ.get("PANTAU_CONFIG", DEFAULT_CONFIG),
            help=f"configuration file (default: $PANTAU_CONFIG or {DEFAULT_CONFIG})")
    return parser


def _load(path: str) -> CollectorConfig | None:
    try:
        return load_config(path)
    except ConfigError as err:
        for line in err.errors:
            print(line, file=sys.stderr)
        return None


def _check_config(config: CollectorConfig, path: str) -> int:
    links = [link for site in config.sites for link in site.links]
    targets = {t for link in links for t in link.targets}
    print(f"{path}: OK ({len(config.sites)} sites, {len(links)} links, {len(targets)} targets)")
    return 0


def _run(config: CollectorConfig) -> int:
    from collector.app import serve

    level = config.collector.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler reports every job run at INFO; that is debugging detail for us.
    if level != "DEBUG":
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(config))
    except PantauError as err:
        print(f"collector: cannot start: {err}", file=sys.stderr)
        return EXIT_CANNOT_START
    except OSError as err:
        print(f"collector: cannot start: {err}", file=sys.stderr)
        return EXIT_CANNOT_START
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = _load(args.config)
    if config is None:
        return EXIT_BAD_CONFIG
    if args.command == "check-config":
        return _check_config(config, args.config)
    return _run(config)


if __name__ == "__main__":
    sys.exit(main())
