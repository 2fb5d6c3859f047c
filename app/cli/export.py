"""``python -m app export``: stream a range of stored history to CSV (see storage/export.py).

Bad input (unknown metric or host, unparseable or reversed range, ...) prints one line to
stderr and exits 2; a database failure exits 1. On a terminal a progress bar goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from storage.store import MetricStore


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of the export subcommand; its parse errors are one line and exit 2."""
    parser.add_argument("--since", help="duration back from --to: 90s, 15min, 24h, 7d")
    parser.add_argument("--from", dest="start", help="start: ISO-8601 (UTC unless offset), epoch")
    parser.add_argument("--to", dest="end", help="end (default now)")
    parser.add_argument(
        "--metrics",
        action="append",
        default=[],
        help="comma-separated series names, e.g. cpu.total,memory.percent (default: all)",
    )
    parser.add_argument("--resolution", help="raw, 1m, 1h or auto (default auto)")
    parser.add_argument("--format", help="wide (a column per metric, default) or long")
    parser.add_argument("--time", help="iso (default) or epoch")
    parser.add_argument("--kind", help="samples (default) or processes (top-process snapshots)")
    parser.add_argument("--host", help="monitored host (default: this host, or the only one)")
    parser.add_argument(
        "--database-url", help="database to read (MONITOR_DATABASE_URL, default sqlite:///data/…)"
    )
    parser.add_argument("--out", default="-", help="output file (default: standard output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def one_line_error(message: str) -> NoReturn:
        parser.exit(2, f"error: {message}\n")

    parse_known = parser.parse_known_args

    def parse_strictly(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Unknown flags are this subcommand's error (one line), not the main parser's."""
        parsed, extras = parse_known(args, namespace)
        if extras:
            one_line_error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    parser.error = one_line_error  # type: ignore[method-assign]
    parser.parse_known_args = parse_strictly  # type: ignore[method-assign]


class ProgressBar:
    """A one-line progress bar redrawn in place on ``stream`` at most every 0.1 s."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self._last = 0.0

    def __call__(self, fraction: float, rows: int) -> None:
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {fraction * 100:5.1f}%  {rows:,} rows")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def run_export(args: argparse.Namespace) -> int:
    """Runs the export described by ``args``; returns the exit code."""
    return with_store(args.database_url, lambda store, host: _write_export(args, store, host))


def with_store(database_url: str | None, work: Callable[[MetricStore, str], int]) -> int:
    """``work(store, this host's name)`` on the store of ``database_url``; its exit code, or 2
    with one line for a bad parameter, 1 for a database failure or a closed pipe."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.params import BadParameter

    opened = open_store(database_url)
    if isinstance(opened, int):
        return opened
    store, hostname = opened
    try:
        return work(store, hostname)
    except BadParameter as exc:
        return fail(f"{exc.parameter}: {exc.message}")
    except SQLAlchemyError as exc:
        return fail(f"database: {str(exc).splitlines()[0]}", 1)
    except BrokenPipeError:
        return 1
    finally:
        store.engine.dispose()


def open_store(database_url: str | None) -> tuple[MetricStore, str] | int:
    """The store of ``database_url`` (or the configured one) and this host's name, or the
    exit code after one line saying why it cannot be opened."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from app.config import Config, ConfigError
    from storage.engine import make_engine
    from storage.store import MetricStore

    try:
        config = Config.from_env(database_url=database_url)
        url = make_url(config.database_url)
        database = url.database or ""
        is_file = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
        if is_file and not Path(database).expanduser().exists():
            return fail(f"database-url: no database file at {database}")
        return MetricStore(make_engine(config.database_url)), config.hostname
    except (ConfigError, ValueError, ArgumentError) as exc:
        return fail(f"database-url: {exc}")


def _write_export(args: argparse.Namespace, store: MetricStore, hostname: str) -> int:
    """Validates the request and streams its CSV to ``--out`` (or stdout)."""
    from storage.export import export_csv
    from storage.params import export_args_from_options, resolve_export

    request = resolve_export(export_args_from_options(args), store, time.time(), hostname)
    with ExitStack() as stack:
        out = sys.stdout
        if args.out != "-":
            try:
                out = stack.enter_context(open(args.out, "w", encoding="utf-8", newline=""))
            except OSError as exc:
                return fail(f"out: {exc.strerror}: {args.out}")
        progress = None
        if not args.quiet and sys.stderr.isatty():
            progress = ProgressBar(sys.stderr)
            stack.callback(progress.close)
        for chunk in export_csv(store, request, on_progress=progress):
            out.write(chunk)
        out.flush()
    return 0
