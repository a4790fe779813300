"""Command line of the Pantau agent: run, check, status, install, uninstall, bundle.

Only ``run`` stays in memory for long, so each command imports what it needs when it runs,
and ``run`` reads its arguments without argparse (0.4 MiB of memory).
Exit status: 0 fine; 1 failed (for ``check``: the collector refused); 2 bad configuration or
usage; 3 collector unreachable; 4 TLS error.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

from agent import __version__
from agent.config import DEFAULT_PATH, AgentConfig, AgentConfigError, load_config

# For annotations only: ``run`` loads neither argparse nor typing (0.4 and 0.5 MiB).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

EXIT_FAILED = 1
EXIT_BAD_CONFIG = 2
EXIT_UNREACHABLE = 3
EXIT_TLS = 4


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="agent", description="Pantau agent: reads this server's health and pushes it to "
        "the Pantau collector.")
    parser.add_argument("--version", action="version", version=f"pantau agent {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    default = os.environ.get("PANTAU_AGENT_CONFIG", DEFAULT_PATH)
    for name, text in (("run", "read the host and push reports until stopped"),
                       ("check", "one reading, printed, and a test push to the collector"),
                       ("status", "is the service running, how did the last push go")):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("-c", "--config", default=default,
                             help=f"configuration file (default: $PANTAU_AGENT_CONFIG or "
                                  f"{DEFAULT_PATH})")
    install = commands.add_parser("install", help="write the config and systemd unit, start it",
                                  description="Write the config (mode 0600) and a hardened "
                                  "systemd unit, then enable and start the service.")
    install.add_argument("--collector", required=True, help="collector URL, https://host:9147")
    token = install.add_mutually_exclusive_group(required=True)
    token.add_argument("--token-file", metavar="FILE",
                       help="file holding this agent's token (as `collector agents add` "
                            "writes it)")
    token.add_argument("--token", metavar="TOKEN",
                       help="this agent's token; '-' reads it from standard input (a token "
                            "written here shows in the process list and shell history)")
    install.add_argument("--name", required=True, help="this agent's name in the collector")
    install.add_argument("--site", help="the site the collector places this agent in")
    install.add_argument("--interval", default="15s", help="time between reports (15s)")
    install.add_argument("--ca-file", help="CA certificate that signed the collector's")
    bundle = commands.add_parser(
        "bundle", help="write the agent as one file for servers without internet access",
        description="Write a zipapp holding the agent and psutil for x86_64 and aarch64: "
        "copy it to a server and run it with its python3 (3.8 or later).")
    bundle.add_argument("--out", default="pantau-agent.pyz", help="file to write "
                        "(default: pantau-agent.pyz)")
    bundle.add_argument("--wheels", metavar="DIR", help="take psutil's wheels from DIR "
                        "instead of downloading them with pip")
    for command in (install, commands.add_parser(
            "uninstall", help="stop the service, remove its unit and config",
            description="Stop and disable the service, remove its unit and config. The spool "
            "in /var/lib/pantau-agent stays.")):
        command.add_argument("--root", default="/",
                             help="install into this directory instead (no systemctl)")
        command.add_argument("--dry-run", action="store_true",
                             help="print every file and command, change nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    run_config = run_config_path(argv)
    if run_config is not None:
        command, config_path = "run", run_config
    else:
        args = _parser().parse_args(argv)
        if args.command in ("install", "uninstall"):
            return _install(args)
        if args.command == "bundle":
            from agent.bundle import main as bundle

            return bundle(args.out, args.wheels)
        if args.command == "status":
            return _status(args.config)
        command, config_path = args.command, args.config
    try:
        config = load_config(config_path)
    except AgentConfigError as err:
        print(err, file=sys.stderr)
        return EXIT_BAD_CONFIG
    return _run(config) if command == "run" else _check(config)


def run_config_path(argv: Sequence[str]) -> str | None:
    """The config file of ``run``, ``run -c FILE``, ``run --config FILE`` or
    ``run --config=FILE``, read as argparse would; None for any other command line, which is
    argparse's to read (help and usage errors included)."""
    if not argv or argv[0] != "run":
        return None
    rest = argv[1:]
    if not rest:
        return os.environ.get("PANTAU_AGENT_CONFIG", DEFAULT_PATH)
    if len(rest) == 2 and rest[0] in ("-c", "--config") and not rest[1].startswith("-"):
        return rest[1]
    if len(rest) == 1 and rest[0].startswith("--config=") and len(rest[0]) > 9:
        return rest[0][9:]
    return None


def _pusher(config: AgentConfig):
    from agent.push import Pusher

    return Pusher(config.collector, config.name, config.site, config.token,
                  ca_file=config.ca_file, timeout=config.timeout)


def _run(config: AgentConfig) -> int:
    from agent.log import Log
    from agent.readings import HostReader
    from agent.runner import Runner, StopSignals
    from agent.spool import Spool
    from agent.state import SPOOL_DIR, AgentState

    log = Log(config.log_level)
    stop = StopSignals()
    reader = HostReader(log=log)
    spool = Spool(os.path.join(config.state_dir, SPOOL_DIR), config.spool_max_reports,
                  config.spool_max_bytes)
    state = AgentState(config.state_dir)
    try:
        spool.open()
    except OSError as err:
        # Full, read-only or gone: report live all the same; what cannot be pushed at once
        # is counted as dropped.
        log.error(f"cannot use the spool {spool.directory}: {err.strerror}; reporting goes "
                  "on without it")
    state.load(reader.read().boot_time, spool.last_seq)
    Runner(config, reader, _pusher(config), spool, state, log, stop=stop).run()
    return 0


def _check(config: AgentConfig) -> int:
    from agent.exposition import render
    from agent.push import Outcome
    from agent.readings import HostReader
    from agent.report import encode

    reading = HostReader().read()
    sys.stdout.write(render(reading.samples))
    pusher = _pusher(config)
    result = pusher.check(encode(reading, 0, 0))
    pusher.close()
    verdicts = {
        Outcome.CHECKED: ("OK", 0),
        Outcome.UNREACHABLE: ("UNREACHABLE", EXIT_UNREACHABLE),
        Outcome.SERVER_ERROR: ("COLLECTOR ERROR", EXIT_UNREACHABLE),
        Outcome.TLS_ERROR: ("TLS ERROR", EXIT_TLS),
    }
    names = {"bad_token": "WRONG TOKEN", "unknown_agent": "UNKNOWN AGENT",
             "wrong_site": "WRONG SITE"}
    refused = names.get(result.reason, f"{result.outcome.value.upper()} ({result.reason})")
    verdict, status = verdicts.get(result.outcome, (refused, EXIT_FAILED))
    detail = "" if result.outcome is Outcome.CHECKED else f": {result.detail}"
    print(f"{len(reading.samples)} samples; push to {config.collector} as {config.name}: "
          f"{verdict}{detail}", file=sys.stderr)
    return status


def _status(config_path: str) -> int:
    import subprocess

    from agent.config import DEFAULT_STATE_DIR
    from agent.install import UNIT_NAME, systemd_running
    from agent.spool import Spool
    from agent.state import SPOOL_DIR, read_state

    ok = True
    if systemd_running("/"):
        done = subprocess.run(["systemctl", "is-active", UNIT_NAME], capture_output=True,
                              text=True, timeout=60)
        service = done.stdout.strip() or "unknown"
        ok = done.returncode == 0
    else:
        service = "systemd is not running here; not checked"
    try:
        config: AgentConfig | None = load_config(config_path)
    except AgentConfigError as err:
        config = None
        print(f"config:    {err}")
    state_dir = config.state_dir if config else DEFAULT_STATE_DIR
    print(f"service:   {UNIT_NAME}: {service}")
    if config is not None:
        print(f"config:    {config_path}: agent {config.name} -> {config.collector} every "
              f"{config.interval:g} s")
    state = read_state(os.path.join(state_dir, "state.json"))
    last = state.get("last_push") or {}
    if last:
        age = time.time() - float(last.get("at", 0))
        print(f"last push: {last.get('outcome')} ({last.get('detail')}), {age:.0f} s ago")
        delivered = state.get("last_delivery_at")
        interval = config.interval if config else 60.0
        ok = ok and delivered is not None and time.time() - float(delivered) <= 3 * interval
    else:
        print(f"last push: none recorded in {state_dir}")
        ok = False
    spool = Spool(os.path.join(state_dir, SPOOL_DIR), 1, 1)
    if os.path.isdir(spool.directory):
        spool.scan()
    print(f"spool:     {len(spool)} reports waiting ({spool.bytes} bytes); "
          f"{state.get('dropped', 0)} dropped, {state.get('rejected', 0)} rejected in all")
    return 0 if ok else EXIT_FAILED


def _token(args: argparse.Namespace) -> str | None:
    """The token of ``agent install``: from --token-file, standard input (--token -) or the
    command line; None (after saying why) when there is none."""
    if args.token_file is not None:
        try:
            with open(args.token_file, encoding="utf-8") as file:
                token = file.read(65536).strip()
        except (OSError, UnicodeDecodeError) as err:
            print(f"agent install: --token-file: cannot read {args.token_file}: {err}",
                  file=sys.stderr)
            return None
        where = f"--token-file: {args.token_file}"
    elif args.token == "-":
        token = sys.stdin.readline().strip()
        where = "--token -: standard input"
    else:
        token = args.token.strip()
        where = "--token"
        print("agent: warning: a token given on the command line shows in the process list "
              "and the shell history; --token-file FILE or --token - do not", file=sys.stderr)
    if not token or any(ch.isspace() for ch in token):
        print(f"agent install: {where}: expected the token alone, on one line",
              file=sys.stderr)
        return None
    return token


def _install(args: argparse.Namespace) -> int:
    import re

    from agent import install
    from agent.config import parse_config_text

    if os.geteuid() != 0 and args.root == "/" and not args.dry_run:
        print("agent: installing needs root (or --root DIR, or --dry-run)", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "uninstall":
        plan = install.plan_uninstall(args.root)
    else:
        executable = install.agent_executable()
        if executable is None:
            print("agent: cannot find the installed agent command for the unit's ExecStart",
                  file=sys.stderr)
            return EXIT_FAILED
        token = _token(args)
        if token is None:
            return EXIT_BAD_CONFIG
        text = "\n".join(f"{key} = {value}" for key, value in (
            ("collector", args.collector), ("name", args.name), ("site", args.site),
            ("token", token), ("interval", args.interval), ("ca_file", args.ca_file))
            if value is not None)
        try:
            config = parse_config_text(text, "agent install", environ={})
        except AgentConfigError as err:
            for line in err.errors:
                # Each option became one line of the config: name the option, not the line.
                print(re.sub(r"^agent install:\d+: (\w+): ",
                             lambda m: f"agent install: --{m[1].replace('_', '-')}: ", line),
                      file=sys.stderr)
            return EXIT_BAD_CONFIG
        if config.ca_file and not os.path.isfile(os.path.join(args.root,
                                                              config.ca_file.lstrip("/"))):
            print(f"agent: warning: the CA file {config.ca_file} does not exist",
                  file=sys.stderr)
        plan = install.plan_install(config, executable, args.root)
    from pantau_units import carry_out

    return carry_out(plan, "agent", args.command, args.dry_run, secret_keys=("token",))

if __name__ == "__main__":
    sys.exit(main())
