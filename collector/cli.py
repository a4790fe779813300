"""Command line: `collector run`, `collector check-config`, `collector reload`,
`collector agents add|list|remove|rotate`, `collector install|uninstall`,
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
from collector.enrolment import EnrolmentError
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
        ("install", "install the collector as a hardened systemd service for this config"),
        ("uninstall", "stop the collector's service and remove its unit (data and config stay)"),
    ):
        _config_option(commands.add_parser(name, help=help_text, description=help_text))
    commands.choices["test-email"].add_argument(
        "--to", metavar="ADDRESS", help="send to this address (default: mail.groups.central)")
    for name in ("install", "uninstall"):
        commands.choices[name].add_argument(
            "--root", default="/", help="install into this directory instead (no systemctl)")
        commands.choices[name].add_argument(
            "--dry-run", action="store_true", help="print every file and command, change "
            "nothing")
    agents = commands.add_parser(
        "agents", help="enrol the agencies' agents: add, list, remove, rotate their tokens",
        description="Enrol agents: each has a token file in agents.directory (agents.d beside "
        "the config); the running collector reloads after each change. No token is printed.")
    actions = agents.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="a new agent, its token file, and how to install it")
    add.add_argument("name", metavar="NAME", help="the agent's name (e.g. bappeda-server)")
    add.add_argument("--site", required=True, metavar="SITE", help="the site its server is at")
    listing = actions.add_parser("list", help="every agent, where its token is, and its rotation")
    remove = actions.add_parser("remove", help="an enrolled agent's token file away")
    remove.add_argument("name", metavar="NAME")
    rotate = actions.add_parser("rotate", help="a new token; the old one is taken a while more")
    rotate.add_argument("name", metavar="NAME")
    for action in (add, listing, remove, rotate):
        _config_option(action)
    rotate.add_argument("--grace", default="24h", type=_duration, metavar="DURATION",
                        help="how long the old token is still taken (default: 24h)")
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


def _config_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-c", "--config", default=os.environ.get("PANTAU_CONFIG", DEFAULT_CONFIG),
        help=f"configuration file (default: $PANTAU_CONFIG or {DEFAULT_CONFIG})")


def _duration(text: str) -> float:
    from pydantic_core import PydanticCustomError

    from collector.config.durations import parse_duration

    try:
        return parse_duration(text)
    except PydanticCustomError as err:
        raise argparse.ArgumentTypeError(err.message()) from None


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


def _agents(config: CollectorConfig, path: str, args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from collector import enrolment
    from collector.control import ControlError, request_reload

    config_path = Path(path)
    if args.action == "list":
        rows = enrolment.entries(config, config_path)
        if not rows:
            print("no agents (collector agents add NAME --site SITE enrols one)")
        for entry in rows:
            where = str(entry.enrolled) if entry.enrolled else f"{path} (agents.clients)"
            until = entry.previous_until
            rotation = "" if until is None or until.timestamp() < time.time() else (
                f"; old token taken until {until.isoformat(timespec='minutes')}")
            print(f"{entry.name:24} {entry.site:20} {where}{rotation}")
        return 0
    try:
        if args.action == "add":
            token_file = enrolment.add(config, config_path, args.name, args.site)
            print(f"agent {args.name} enrolled at site {args.site}; its token is in "
                  f"{token_file} (keep it secret: it is the agent's password)")
        elif args.action == "rotate":
            token_file = enrolment.rotate(config, config_path, args.name, args.grace)
            print(f"agent {args.name} has a new token in {token_file}; the old one is taken "
                  f"for {args.grace / 3600:g} h more, while the server gets the new one")
        else:
            enrolment.remove(config, config_path, args.name)
            print(f"agent {args.name} removed: its token is no longer taken")
    except EnrolmentError as err:
        print(f"collector agents {args.action}: {err}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except OSError as err:
        print(f"collector agents {args.action}: {err}", file=sys.stderr)
        return EXIT_CANNOT_START
    try:
        outcome = request_reload(config.collector.data_dir)
    except ControlError as err:
        print(f"the running collector was not reloaded ({err}); it takes the change at its "
              "next start or `collector reload`")
    else:
        print("the running collector has reloaded" if outcome.ok else
              "the running collector refused the config: " + "; ".join(outcome.lines))
    if args.action != "remove":
        # The token file is SITE/NAME.token: its directory names the site.
        command = enrolment.install_command(config, args.name, token_file.parent.name,
                                            token_file)
        print(f"\nOn the agency's server, with {token_file.name} copied beside you "
              f"(scp, a USB stick):\n  {command}")
    return 0


def _install(config: CollectorConfig | None, path: str, args: argparse.Namespace) -> int:
    from pathlib import Path

    from collector import service
    from pantau_units import carry_out

    if os.geteuid() != 0 and args.root == "/" and not args.dry_run:
        print(f"collector {args.command}: needs root (or --root DIR, or --dry-run)",
              file=sys.stderr)
        return EXIT_CANNOT_START
    if config is None:
        plan = service.plan_uninstall(args.root)
    else:
        executable = service.collector_executable()
        if executable is None:
            print("collector install: cannot find the installed collector command for the "
                  "unit's ExecStart", file=sys.stderr)
            return EXIT_CANNOT_START
        if not config.collector.data_dir.is_absolute():
            print(f"collector install: collector.data_dir must be an absolute path for a "
                  f"service (got {config.collector.data_dir}; the default is "
                  f"{service.STATE_DIRECTORY})", file=sys.stderr)
            return EXIT_BAD_CONFIG
        hidden = service.hidden_paths(executable, path, config.collector.data_dir)
        if hidden:
            print(f"collector install: the service cannot reach {', '.join(hidden)}: /home, "
                  "/root and /run/user are hidden from it. Install Pantau, its config and "
                  "data_dir elsewhere, e.g. python3 -m venv /opt/pantau, /etc/pantau, "
                  "/var/lib/pantau", file=sys.stderr)
            return EXIT_BAD_CONFIG
        plan = service.plan_install(config, Path(path), executable, args.root)
        if args.root == "/" and not service.readable_by_service(Path(path)):
            print(f"collector install: warning: {path} is not readable by the service's user "
                  f"{service.USER}: chgrp {service.USER} {path} && chmod 0640 {path}",
                  file=sys.stderr)
    return carry_out(plan, "collector", args.command, args.dry_run)

def _run(config: CollectorConfig, config_path: str) -> int:
    import uvloop

    from collector.app import serve
    from collector.logs import configure as configure_logs

    configure_logs(config.collector.log_level.upper())
    try:
        # libuv's loop: the same asyncio, with less work per wake-up and per TLS handshake
        # (bench/service_check.py measures it on service checks).
        uvloop.run(serve(config, config_path))
    except (PantauError, OSError) as err:
        print(f"collector: cannot start: {err}", file=sys.stderr)
        return EXIT_CANNOT_START
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "uninstall":
        return _install(None, args.config, args)
    config = _load(args.config)
    if config is None:
        return EXIT_BAD_CONFIG
    if args.command == "check-config":
        return _check_config(config, args.config)
    if args.command == "reload":
        return _reload(config, args.config)
    if args.command == "agents":
        return _agents(config, args.config, args)
    if args.command == "install":
        return _install(config, args.config, args)
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
