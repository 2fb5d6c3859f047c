"""``python -m app analyze summary|changes|top``: the analysis API's answers as tables.

The same parameters as the API (``--from``/``--to`` or ``--since``, ``--metrics``,
``--host``); ``--json`` prints the API's JSON instead. Bad input prints one line and exits 2;
a database failure exits 1.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from app.cli.export import with_store

KINDS = ("summary", "changes", "top")


def add_analyze_arguments(parser: argparse.ArgumentParser) -> None:
    """``analyze KIND`` and its flags."""
    parser.add_argument("kind", choices=KINDS, help="summary, changes (in the range) or top")
    parser.add_argument("--since", help="duration back from --to: 90s, 15min, 24h, 7d")
    parser.add_argument("--from", dest="start", help="start: ISO-8601 (UTC unless offset), epoch")
    parser.add_argument("--to", dest="end", help="end (default now)")
    parser.add_argument("--metrics", action="append", default=[], help="comma-separated series")
    parser.add_argument("--host", help="monitored host (default: this host, or the only one)")
    parser.add_argument("--compare", help="summary: also the range this long before (1d, 7d)")
    parser.add_argument("--baseline", help="changes: the baseline before the range (default 4×)")
    parser.add_argument("--sort", help="top: cpu_s (default), rss_peak, rss_avg or top_s")
    parser.add_argument("--limit", help="changes and top: how many rows (default 20 and 50)")
    parser.add_argument("--json", action="store_true", help="print the JSON the API answers")
    parser.add_argument("--database-url", help="database to read (MONITOR_DATABASE_URL)")


def run_analyze(args: argparse.Namespace) -> int:
    """Prints the analysis ``args`` asks for; returns the exit code."""

    def work(store: Any, hostname: str) -> int:
        report = _report(args, store, hostname)
        print(_json(report) if args.json else _table(args.kind, report))
        return 0

    return with_store(args.database_url, work)


def _report(args: argparse.Namespace, store: Any, hostname: str) -> dict[str, Any]:
    from analysis.changes import default_baseline_s
    from analysis.reports import changes_report, summary_report, top_processes_report
    from analysis.usage import SORTS
    from storage import params
    from storage.history import HistoryReader
    from storage.params import BadParameter
    from storage.timeparse import parse_duration

    def duration(name: str, text: str) -> float:
        try:
            return parse_duration(text)
        except ValueError as exc:
            raise BadParameter(name, str(exc)) from None

    host = params.parse_host(args.host, store.host_names(), hostname)
    start, end = params.parse_range(args.start, args.end, time.time(), since_text=args.since)
    if args.kind == "top":
        sort = params.parse_choice("sort", args.sort, SORTS, "cpu_s")
        limit = params.parse_int("limit", args.limit, 50, 1, 1000)
        return top_processes_report(store, host, start, end, sort=sort, limit=limit)
    names = HistoryReader(store).series_names(host)
    if args.kind == "summary":
        if not args.metrics:
            raise BadParameter("metrics", "--metrics is required for a summary")
        metrics = params.parse_metrics(args.metrics, names)
        compare = duration("compare", args.compare) if args.compare else None
        return summary_report(store, host, metrics, start, end, compare_s=compare)
    metrics = params.parse_metrics(args.metrics, names) if args.metrics else tuple(names)
    window = end - start
    baseline = duration("baseline", args.baseline) if args.baseline else default_baseline_s(window)
    limit = params.parse_int("limit", args.limit, 20, 1, 100)
    return changes_report(store, host, metrics, start, end, baseline_s=baseline, limit=limit)


def _table(kind: str, report: dict[str, Any]) -> str:
    """A fixed-width table of ``report``; bytes in binary units."""
    from storage.usage import human_bytes

    def num(value: float | None) -> str:
        return "–" if value is None else f"{value:,.2f}"

    if kind == "summary":
        head = ["series", "count", "min", "mean", "p50", "p95", "p99", "max"]
        rows = [[s["series"], f"{s['count']:,}", *(num(s[k]) for k in head[2:])]
                for s in report["series"]]  # fmt: skip
        note = "" if report["exact"] else "\n(percentiles approximate: from rollup buckets)"
    elif kind == "changes":
        head = ["series", "score", "baseline median", "window median", "shift"]
        rows = [[c["series"], num(c["score"]), num(c["baseline_median"]),
                 num(c["window_median"]), num(c["shift"])] for c in report["changes"]]  # fmt: skip
        note = ""
    else:
        head = ["process", "CPU-seconds", "peak memory", "average memory", "time in top", "pids"]
        rows = [[p["name"], num(p["cpu_s"]), human_bytes(p["rss_peak"]),
                 human_bytes(p["rss_avg"] or 0), f"{p['top_s']:,.0f} s", str(p["pids"])]
                for p in report["processes"]]  # fmt: skip
        note = f"\n({len(rows)} of {report['total']} process names)"
    widths = [max(len(str(c)) for c in column) for column in zip(head, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in (head, *rows)]  # fmt: skip
    span = f"{report['host']}: {report['from']} to {report['to']}"
    return "\n".join([span, *lines]) + note


def _json(report: dict[str, Any]) -> str:
    import json  # not at the top: gunicorn's master imports this module, and needs no JSON

    return json.dumps(report, indent=2)
