"""Command line: ``python -m app [serve] [--host ...]``; serving is the default subcommand."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from app.cli.alerts import add_alerts_arguments, run_alerts
from app.cli.analyze import add_analyze_arguments, run_analyze
from app.cli.export import add_export_arguments, run_export
from app.config import Config, ConfigError

SUBCOMMANDS = ("serve", "agent", "hash-password", "export", "alerts", "analyze")
AGENT_STOP_WAIT_S = 2.0  # how long each part of a stopping agent gets (the writer: to flush)


class Parser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr and exit code 2, without the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


class TopParser(Parser):
    """The top-level parser, whose help also shows the options of ``serve``, the default."""

    serve: argparse.ArgumentParser | None = None

    def format_help(self) -> str:
        text = super().format_help()
        if self.serve is None:
            return text
        return f"{text}\nserve (what runs without a subcommand):\n\n{self.serve.format_help()}"


def build_parser() -> argparse.ArgumentParser:
    parser = TopParser(
        prog="python -m app",
        description="Real-time system-monitoring dashboard. Every flag overrides the "
        "MONITOR_* environment variable of the same name.",
    )
    sub = parser.add_subparsers(
        dest="command",
        metavar="{serve,agent,export,alerts,analyze,hash-password}",
        parser_class=Parser,
    )
    serve = sub.add_parser("serve", help="sample this host and serve the dashboard (default)")
    parser.serve = serve
    serve.add_argument("--host", help="address to listen on (MONITOR_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (MONITOR_PORT, default 8050)")
    serve.add_argument(
        "--trusted-network",
        action="store_true",
        default=None,
        help="serve beyond loopback without authentication: everyone who can reach the address "
        "may see every process (MONITOR_TRUSTED_NETWORK; logged at start)",
    )
    serve.add_argument(  # the older spelling of --trusted-network
        "--insecure-no-auth", action="store_true", default=None, help=argparse.SUPPRESS
    )
    add_sampling_arguments(serve)
    # An agent listens on nothing (it only connects to the database), so the exposure rule,
    # which is about listening sockets, does not apply to it.
    agent = sub.add_parser(
        "agent",
        help="sample this host into a (shared PostgreSQL) database, without a web server",
    )
    add_sampling_arguments(agent)
    add_agent_arguments(agent)
    sub.add_parser(
        "hash-password",
        help="read a password (twice, or once from stdin) and print a MONITOR_USERS_FILE line",
    ).add_argument("username")
    add_alerts_arguments(sub.add_parser("alerts", help="try alert rules against stored history"))
    add_export_arguments(
        sub.add_parser("export", help="write stored history as CSV (streamed; see --help)")
    )
    add_analyze_arguments(
        sub.add_parser("analyze", help="summary, changes or top processes of stored history")
    )
    return parser


def add_sampling_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags shared by every subcommand that samples."""
    parser.add_argument(
        "--database-url",
        help="sqlite:///path or postgresql://user@host/db "
        "(MONITOR_DATABASE_URL, default sqlite:///data/monitor.db)",
    )
    parser.add_argument(
        "--interval", type=float, help="seconds between samples: over 0, at most 3600 (default 1)"
    )
    parser.add_argument("--hostname", help="name this host's samples carry (default: host name)")
    parser.add_argument("--top-n", type=int, help="top processes kept per tick (default 15)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default INFO)")


def add_agent_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``agent`` alone: what needs a session (a direct connection, not PgBouncer's
    transaction pooling)."""
    parser.add_argument(
        "--shared-hostname",
        action="store_true",
        default=None,
        help="another process may sample under this host name: elect one sampler "
        "(MONITOR_SHARED_HOSTNAME; a session advisory lock, so not through PgBouncer)",
    )
    parser.add_argument(
        "--maintenance",
        dest="agent_maintenance",
        action="store_true",
        default=None,
        help="run the history job (rollups, retention) here too; by default a dashboard does "
        "(MONITOR_AGENT_MAINTENANCE; a session advisory lock, so not through PgBouncer)",
    )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parses ``argv``; with no subcommand, ``serve`` is assumed."""
    argv = list(argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "serve")
    return build_parser().parse_args(argv)


def config_from_args(args: argparse.Namespace) -> Config:
    return Config.from_env(
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        insecure_no_auth=getattr(args, "insecure_no_auth", None),
        trusted_network=getattr(args, "trusted_network", None),
        database_url=args.database_url,
        interval=args.interval,
        hostname=args.hostname,
        top_n=args.top_n,
        log_level=args.log_level,
        shared_hostname=getattr(args, "shared_hostname", None),
        agent_maintenance=getattr(args, "agent_maintenance", None),
    )


def serve(config: Config) -> int:
    """Serves the dashboard under gunicorn until SIGINT/SIGTERM (which flush storage).

    The address is checked here, and gunicorn's master checks what it binds with the same
    rule, with the rest of its start checks (gunicorn.conf.py); the banner comes once it
    listens, so a refusal is the only line."""
    from app.cli.serve import serve_with_gunicorn
    from app.guard.exposure import exposure_problem

    problem = exposure_problem(config)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return serve_with_gunicorn(config)


def run_agent(config: Config) -> int:
    """Samples and stores (and relays, on PostgreSQL) until SIGINT, SIGTERM or SIGHUP (an
    agent has nothing to reload: its service manager starts it again), then flushes. A bad
    rule file or a SQLite file another process writes: one line, exit 2."""
    from app.runtime.monitor import Monitor
    from storage.file_lock import DatabaseInUse

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        monitor = Monitor(config, agent=True)
        monitor.start()
    except (ConfigError, DatabaseInUse) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = monitor.store.engine.url.render_as_string(hide_password=True)
    # One write, line and newline together: the threads' log lines on stderr, merged with
    # stdout (a journal, a pipe), cannot fall between them.
    sys.stdout.write(f"Agent sampling {config.hostname} into {url}\n")
    sys.stdout.flush()
    stopping.wait()
    return 0 if monitor.stop(AGENT_STOP_WAIT_S) else 1


def hash_password(username: str) -> int:
    """Prints ``username:hash`` for a users file; the password is never echoed."""
    import getpass

    from werkzeug.security import generate_password_hash

    if ":" in username or not username.strip():
        print("error: the user name must be non-empty and contain no ':'", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("error: use at least 8 characters", file=sys.stderr)
        return 2
    print(f"{username}:{generate_password_hash(password)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit code; bad input prints one line and exits 2."""
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.command == "export":
        return run_export(args)
    if args.command == "alerts":
        return run_alerts(args)
    if args.command == "analyze":
        return run_analyze(args)
    if args.command == "hash-password":
        return hash_password(args.username)
    try:
        config = config_from_args(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=getattr(logging, config.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "agent":
        return run_agent(config)
    return serve(config)
