"""Command line: `collector run`, `collector check-config`, `collector reload`,
`collector test-email`,
`collector test-notify`, `collector ack`,
`collector report`.

Exit status: 0 success, 1 cannot start (privileges, port in use), the test mail
was not sent or the report could not be written, 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
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
        ("reload", "validate the configuration, then have the running collector read it again"),
        ("test-email", "send one test mail through the configured mail server and exit"),
        ("test-notify", "send one test message on a channel (telegram, webhook, mail) and exit"),
        ("report", "write a month's availability report (CSV, HTML, PDF) and exit"),
        ("ack", "record that someone has an outage in hand: no more reminders for it"),
    ):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "-c", "--config", default=os.environ.get("PANTAU_CONFIG", DEFAULT_CONFIG),
            help=f"configuration file (default: $PANTAU_CONFIG or {DEFAULT_CONFIG})")
    commands.choices["test-email"].add_argument(
        "--to", metavar="ADDRESS", help="send to this address (default: mail.groups.central)")
    test_notify = commands.choices["test-notify"]
    test_notify.add_argument("--channel", required=True,
                             choices=("telegram", "webhook", "mail"))
    test_notify.add_argument("--group", default="central", metavar="GROUP",
                             help="send to this group's recipients (default: central)")
    ack = commands.choices["ack"]
    ack.add_argument("outage", type=int, metavar="OUTAGE",
                     help="the outage's number (#N in the mails, X-Pantau-Outage)")
    ack.add_argument("--by", required=True, metavar="NAME", help="who has it in hand")
    report = commands.choices["report"]
    report.add_argument("--month", required=True, type=_month, metavar="YYYY-MM",
                        help="calendar month in collector.timezone")
    report.add_argument("--out", default=".", metavar="DIR",
                        help="directory to write into (default: the current one)")
    report.add_argument("--format", default="csv,html", type=_formats, metavar="LIST",
                        help="comma-separated: csv (the sites' figures and the outage list), "
                             "html, pdf, or all (default: csv,html)")
    report.add_argument("--site", metavar="NAME",
                        help="the report of this one site alone, e.g. for the agency's head")
    return parser


def _formats(text: str) -> tuple[str, ...]:
    from collector.report.command import Format

    chosen: list[str] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if part == "all":
            chosen += [f.value for f in Format]
        elif part in {f.value for f in Format}:
            chosen.append(part)
        else:
            raise argparse.ArgumentTypeError(
                f"'{part}' is not a format (use csv, html, pdf or all)")
    return tuple(dict.fromkeys(chosen))


def _month(text: str) -> tuple[int, int]:
    from collector.report.period import parse_month

    try:
        return parse_month(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


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


def _test_email(config: CollectorConfig, path: str, to: str | None,
                group: str = "central") -> int:
    from collector.mail import MailError
    from collector.mail.testmail import problems_before_test_mail, send_test_mail

    problems = problems_before_test_mail(config, to, group)
    for problem in problems:
        print(problem if problem.startswith("--") else f"{path}: {problem}", file=sys.stderr)
    if problems:
        return EXIT_BAD_CONFIG
    smtp = config.mail.smtp
    server = f"{smtp.host}:{smtp.port} ({smtp.security.value})"
    try:
        mail, refused = asyncio.run(send_test_mail(config, to, group))
    except MailError as err:
        print(f"test mail NOT sent through {server}: {err.kind.value}: {err.detail}",
              file=sys.stderr)
        return EXIT_CANNOT_START
    print(f"test mail sent through {server} to {', '.join(mail.to)}")
    for line in refused:
        print(f"  refused: {line}")
    return 0


def _test_notify(config: CollectorConfig, path: str, channel: str, group: str) -> int:
    from collector.notify.testnotify import problems_before_test, send_test

    problems = problems_before_test(config, channel, group)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        return EXIT_BAD_CONFIG
    results = asyncio.run(send_test(config, channel, group))
    for recipient, error in results:
        if error is None:
            print(f"test message sent on {channel} to {recipient}")
        else:
            print(f"test message NOT sent on {channel} to {recipient}: {error.kind}: "
                  f"{error.detail}", file=sys.stderr)
    return 0 if all(error is None for _, error in results) else EXIT_CANNOT_START


def _ack(config: CollectorConfig, outage_id: int, by: str) -> int:
    import time

    from collector.alerting.outage_log import OutageLog, outage_log_path

    name = " ".join(by.split())
    if not name:
        print("collector ack: --by needs a name", file=sys.stderr)
        return EXIT_BAD_CONFIG
    path = outage_log_path(config.collector.data_dir)
    if not path.is_file():
        print(f"collector ack: no outage log at {path} (collector.data_dir)", file=sys.stderr)
        return EXIT_CANNOT_START
    log = OutageLog(path)
    try:
        ack = log.acknowledge(outage_id, name[:100], time.time())
        outage = log.get(outage_id)
    finally:
        log.close()
    if outage is None:
        print(f"collector ack: there is no outage #{outage_id}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    where = outage.site + (f"/{outage.link}" if outage.link else "") + (
        f" ({outage.service})" if outage.service else "")
    if ack is None:
        print(f"collector ack: outage #{outage_id} ({where}) has already ended",
              file=sys.stderr)
        return EXIT_BAD_CONFIG
    if ack.by != name[:100]:
        print(f"outage #{outage_id} ({where}) was already in hand: {ack.by}")
        return 0
    print(f"outage #{outage_id} ({where}) in hand: {ack.by}; no more reminders for it")
    return 0


def _report(config: CollectorConfig, month: tuple[int, int], out: str,
            formats: tuple[str, ...], site: str | None) -> int:
    import time
    from pathlib import Path

    from collector.report.command import Format, MonthNotBegunError, UnknownSiteError, write_report

    try:
        paths = write_report(config, *month, Path(out), time.time(),
                             tuple(Format(f) for f in formats), site)
    except (MonthNotBegunError, UnknownSiteError) as err:
        print(f"collector report: {err}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except (PantauError, OSError) as err:
        print(f"collector report: {err}", file=sys.stderr)
        return EXIT_CANNOT_START
    for path in paths:
        print(path)
    return 0


def _reload(config: CollectorConfig, path: str) -> int:
    from collector.control import ControlError, request_reload

    try:
        outcome = request_reload(config.collector.data_dir)
    except ControlError as err:
        print(f"collector reload: {err}", file=sys.stderr)
        return EXIT_CANNOT_START
    if not outcome.ok:
        print(f"collector reload: the collector refused {path}; the config in force stays:",
              file=sys.stderr)
        for line in outcome.lines:
            print(f"  {line}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    print(f"{path}: reloaded")
    for line in outcome.lines:
        print(f"  {line}")
    return 0


def _run(config: CollectorConfig, config_path: str) -> int:
    import uvloop

    from collector.app import serve
    from collector.logs import configure as configure_logs

    configure_logs(config.collector.log_level.upper())
    try:
        # libuv's loop: the same asyncio, with less work per wake-up and per TLS handshake
        # (bench/service_check.py measures it on service checks).
        uvloop.run(serve(config, config_path))
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
    if args.command == "reload":
        return _reload(config, args.config)
    if args.command == "test-email":
        return _test_email(config, args.config, args.to)
    if args.command == "test-notify":
        if args.channel == "mail":
            return _test_email(config, args.config, None, args.group)
        return _test_notify(config, args.config, args.channel, args.group)
    if args.command == "ack":
        return _ack(config, args.outage, args.by)
    if args.command == "report":
        return _report(config, args.month, args.out, args.format, args.site)
    return _run(config, args.config)


if __name__ == "__main__":
    sys.exit(main())
