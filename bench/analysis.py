"""The analysis cases of bench/history.py: summary, comparison, changes and top processes
over a day and over 30 days of the benchmark's 1 Hz history (first call, median of 5)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from analysis.reports import changes_report, summary_report, top_processes_report
from bench.common import table
from storage.history import HistoryReader
from storage.store import MetricStore

DAY = 86400.0
TARGETS = "Targets: within 300 ms for a day, within 1 s for 30 days on PostgreSQL."


def cases(store: MetricStore, host: str, metrics: list[str], end: float, days: float) -> dict:
    """Label -> the call to time, for the spans the history holds."""
    every = HistoryReader(store).series_names(host)
    out: dict[str, Callable[[], Any]] = {}
    for label, span in (("1 d", DAY), ("30 d", 30 * DAY)):
        if span > days * DAY:
            continue
        start = end - span
        out[f"summary, {label}"] = lambda s=start: summary_report(store, host, metrics, s, end)
        out[f"top processes, {label}"] = lambda s=start: top_processes_report(
            store, host, s, end, sort="cpu_s", limit=50
        )
    if days >= 2:
        out["summary with the day before, 1 d"] = lambda: summary_report(
            store, host, metrics, end - DAY, end, compare_s=DAY
        )
    out[f"changes of {len(every)} series, 1 h window, 4 h baseline"] = lambda: changes_report(
        store, host, every, end - 3600, end, baseline_s=4 * 3600
    )
    if days >= 5:
        out[f"changes of {len(every)} series, 1 d window, 4 d baseline"] = lambda: changes_report(
            store, host, every, end - DAY, end, baseline_s=4 * DAY
        )
    return out


def time_analysis(
    store: MetricStore, host: str, metrics: list[str], end: float, days: float
) -> dict[str, dict[str, float]]:
    """First call and median of the next 5 of each case, in ms."""
    results = {}
    for label, call in cases(store, host, metrics, end, days).items():
        times = []
        for _ in range(6):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        results[label] = {
            "first_ms": times[0] * 1000,
            "median_ms": statistics.median(times[1:]) * 1000,
        }
    return results


def analysis_table(results: list[dict[str, Any]]) -> str:
    """The markdown table of every backend's analysis timings."""
    rows = [
        [r["backend"], label, f"{v['first_ms']:.0f} ms", f"{v['median_ms']:.0f} ms"]
        for r in results
        for label, v in r["analysis"].items()
    ]
    return table(["database", "analysis", "first", "median"], rows)
