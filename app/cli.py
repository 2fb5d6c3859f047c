"""Command line: ``python -m app [serve] [--host ...]``; serving is the default subcommand."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from app.config import Config, ConfigError

SUBCOMMANDS = ("serve", "agent")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Real-time system-monitoring dashboard. Every flag overrides the "
        "MONITOR_* environment variable of the same name.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{serve,agent}")
    serve = sub.add_parser("serve", help="sample this host and serve the dashboard (default)")
    serve.add_argument("--host", help="address to listen on (MONITOR_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (MONITOR_PORT, default 8050)")
    add_sampling_arguments(serve)
    agent = sub.add_parser(
        "agent",
        help="sample this host into a (shared PostgreSQL) database, without a web server",
    )
    add_sampling_arguments(agent)
    return parser


def add_sampling_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags shared by every subcommand that samples."""
    parser.add_argument(
        "--database-url",
        help="sqlite:///path or postgresql://user@host/db "
        "(MONITOR_DATABASE_URL, default sqlite:///data/monitor.db)",
    )
    parser.add_argument("--interval", type=float, help="seconds between samples (default 1)")
    parser.add_argument("--hostname", help="name this host's samples carry (default: host name)")
    parser.add_argument("--top-n", type=int, help="top processes kept per tick (default 15)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default INFO)")


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
        database_url=args.database_url,
        interval=args.interval,
        hostname=args.hostname,
        top_n=args.top_n,
        log_level=args.log_level,
    )


def serve(config: Config) -> int:
    """Starts sampling and serves the dashboard until SIGINT/SIGTERM, then flushes storage."""
    from app.factory import create_app

    dash_app = create_app(config)
    monitor = dash_app.server.extensions["monitor"]

    def _terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    monitor.start()
    print(f"Dashboard on http://{config.host}:{config.port}/ (Ctrl+C to stop)", flush=True)
    try:
        dash_app.run(host=config.host, port=config.port, debug=False, threaded=True)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        monitor.stop()
    return 0


def run_agent(config: Config) -> int:
    """Samples and stores (and relays, on PostgreSQL) until SIGINT/SIGTERM, then flushes."""
    from app.monitor import Monitor

    monitor = Monitor(config, listen=False)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    monitor.start()
    print(
        f"Agent sampling {config.hostname} into "
        f"{monitor.store.engine.url.render_as_string(hide_password=True)}",
        flush=True,
    )
    stopping.wait()
    return 0 if monitor.stop() else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit code; bad input prints one line and exits 2."""
    args = parse(sys.argv[1:] if argv is None else argv)
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
