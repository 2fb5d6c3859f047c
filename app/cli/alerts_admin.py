"""``python -m app alerts events|silence|unsilence|list``: alert history and silences.

``events --since 7d [--host H] [--rule R] [--kind K] [--out F]`` writes the stored events as
CSV (the same as ``GET /api/v1/alerts/events.csv``); ``silence --matcher host=web-* --for 2h
[--comment ...]`` stores a silence, ``unsilence ID`` ends one, ``list`` shows the open alerts
and the silences in force. Bad input: one line on standard error, exit 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from storage.timeparse import parse_duration

if TYPE_CHECKING:
    from storage.alert_events import AlertEventStore

MATCHER_KEYS = ("rule", "host", "series")
MAX_SILENCE_S = 366 * 86400


def add_admin_arguments(sub: argparse._SubParsersAction) -> None:
    """The events, silence, unsilence and list subcommands of ``alerts``."""
    events = sub.add_parser("events", help="stored alert events as CSV")
    events.add_argument("--since", default="7d", help="how far back (default 7d)")
    events.add_argument("--host", help="only this host")
    events.add_argument("--rule", help="only this rule")
    events.add_argument("--kind", help="only these kinds, comma-separated (e.g. firing,resolved)")
    events.add_argument("--out", default="-", help="output file (default: standard output)")
    silence = sub.add_parser("silence", help="hold back notifications of matching alerts")
    silence.add_argument("--matcher", action="append", required=True,
                         help="KEY=GLOB with KEY rule, host or series (repeatable)")  # fmt: skip
    silence.add_argument("--for", dest="duration", required=True, help="how long, e.g. 2h")
    silence.add_argument("--comment", default="", help="why (shown with the silence)")
    unsilence = sub.add_parser("unsilence", help="end a silence now")
    unsilence.add_argument("id", help="the silence's id (see: alerts list)")
    sub.add_parser("list", help="open alerts and the silences in force")
    for parser in (events, silence, unsilence, sub.choices["list"]):
        parser.add_argument("--database-url", help="MONITOR_DATABASE_URL")


def parse_matchers(texts: list[str]) -> dict[str, str]:
    """``["host=web-*", "rule=cpu"]`` -> {"rule": "cpu", "host": "web-*", "series": "*"}."""
    found = dict.fromkeys(MATCHER_KEYS, "*")
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or key.strip() not in MATCHER_KEYS or not value.strip():
            raise ValueError(f"--matcher: {text!r} is not KEY=GLOB with KEY rule, host or series")
        found[key.strip()] = value.strip()
    return found


def run_admin(args: argparse.Namespace, engine_url: str) -> int:
    """Runs one of the admin subcommands; ValueError on bad input (the caller exits 2)."""
    from storage.alert_events import AlertEventStore
    from storage.engine import make_engine

    now = time.time()
    command = args.alerts_command
    if command == "silence":
        matchers = parse_matchers(args.matcher)
        seconds = _duration(args.duration)
    elif command == "unsilence":
        if not args.id.isdigit():
            raise ValueError(f"ID: {args.id!r} is not a silence id (a whole number)")
    elif command == "events":
        since = now - _duration(args.since, name="--since", limit=None)
    store = AlertEventStore(make_engine(engine_url))
    if command == "events":
        return _events(store, args, since)
    if command == "silence":
        silence_id = store.add_silence(**matchers, until=now + seconds, actor="cli",
                                       note=args.comment, now=now)  # fmt: skip
        print(f"silence #{silence_id} until {_iso(now + seconds)}")
        return 0
    if command == "unsilence":
        if not store.end_silence(int(args.id), now):
            raise ValueError(f"ID: no silence #{args.id} in force")
        print(f"silence #{args.id} ended")
        return 0
    _list(store, now)
    return 0


def _duration(text: str, *, name: str = "--for", limit: float | None = MAX_SILENCE_S) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise ValueError(f"{name}: not a duration: {text!r} (e.g. 30m, 2h, 7d)") from None
    if seconds <= 0 or (limit is not None and seconds > limit):
        raise ValueError(f"{name}: must be more than 0 and at most a year")
    return seconds


def _events(store: AlertEventStore, args: argparse.Namespace, since: float) -> int:
    from storage.alert_export import events_csv

    store.ensure_schema()
    kinds = [k for k in (args.kind or "").split(",") if k] or None
    chunks = events_csv(store.engine, host=args.host, rule=args.rule, kinds=kinds, since=since)
    try:
        opened = open(args.out, "w", newline="", encoding="utf-8") if args.out != "-" else None  # noqa: SIM115
    except OSError as exc:
        raise ValueError(f"--out: cannot write {args.out}: {exc.strerror}") from None
    target: TextIO
    with opened or nullcontext(sys.stdout) as target:
        for chunk in chunks:
            target.write(chunk)
    return 0


def _list(store: AlertEventStore, now: float) -> None:
    alerts = store.open_alerts()
    print(f"open alerts: {len(alerts)}")
    for a in alerts:
        acked = f"  acknowledged by {a['acked_by'] or '?'}" if a["acked_at"] else ""
        print(f"  {a['status']:<8} {a['severity'] or '':<8} {a['rule']} on {a['host']}"
              f" {a['series']} since {_iso(a['since'])}{acked}")  # fmt: skip
    silences = store.silences(active_at=now)
    print(f"silences in force: {len(silences)}")
    for s in silences:
        print(f"  #{s['id']} rule={s['rule']} host={s['host']} series={s['series']}"
              f" until {_iso(s['until'])} by {s['actor'] or '-'}: {s['note']}")  # fmt: skip


def _iso(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
