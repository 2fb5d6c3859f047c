"""The answers of the analysis API and CLI, as JSON-ready dicts, from a store.

``summary_report``: the summary and histogram of each series over a range, and optionally the
same range ``compare_s`` seconds earlier with the difference. ``changes_report``: the series
that changed most in a window against the ``baseline_s`` before it. ``top_processes_report``:
the process names that used the machine most over a range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.changes import rank_changes
from analysis.summary import difference, histogram, summarize
from analysis.usage import ranked
from storage.history import HistoryReader
from storage.process_rollups import read_usage
from storage.store import MetricStore, to_ms
from storage.timeparse import iso_utc


def summary_report(
    store: MetricStore,
    host: str,
    series: Sequence[str],
    start: float,
    end: float,
    *,
    compare_s: float | None = None,
    bins: int = 30,
) -> dict[str, Any]:
    """Per series: count, min, mean, p50, p95, p99, max and its time, and a histogram; with
    ``compare_s``, the same for the range that much earlier, and this period less that one."""
    reader = HistoryReader(store)
    tier, data = reader.tier_data(host, series, start, end)
    summaries = summarize(data)
    out: dict[str, Any] = {
        "host": host, "from": iso_utc(start), "to": iso_utc(end), "source": tier.name,
        "exact": tier.width_ms == 0,
        "series": [
            s.as_json() | {"histogram": histogram(data, i, bins)} for i, s in enumerate(summaries)
        ],
    }  # fmt: skip
    if compare_s:
        before_tier, before = reader.tier_data(host, series, start - compare_s, end - compare_s)
        earlier = summarize(before)
        pairs = zip(summaries, earlier, strict=True)
        out["compare"] = {
            "shift_s": compare_s, "from": iso_utc(start - compare_s),
            "to": iso_utc(end - compare_s), "source": before_tier.name,
            "series": [s.as_json() for s in earlier],
            "difference": {now.series: difference(now, then) for now, then in pairs},
        }  # fmt: skip
    return out


def changes_report(
    store: MetricStore,
    host: str,
    series: Sequence[str],
    start: float,
    end: float,
    *,
    baseline_s: float,
    limit: int = 20,
) -> dict[str, Any]:
    """The ``limit`` series that changed most in ``[start, end]`` against the ``baseline_s``
    seconds before ``start``, each with a sparkline over both."""
    tier, data = HistoryReader(store).tier_data(host, series, start - baseline_s, end)
    changes = rank_changes(data, to_ms(start), limit)
    return {
        "host": host, "from": iso_utc(start), "to": iso_utc(end),
        "baseline_from": iso_utc(start - baseline_s), "source": tier.name,
        "changes": [c.as_json() for c in changes],
    }  # fmt: skip


def top_processes_report(
    store: MetricStore, host: str, start: float, end: float, *, sort: str, limit: int
) -> dict[str, Any]:
    """Process names by ``sort`` (``analysis.usage.SORTS``) over ``[start, end]``."""
    found = read_usage(store, host, start, end)
    return {
        "host": host, "from": iso_utc(start), "to": iso_utc(end), "sort": sort,
        "total": len(found), "processes": ranked(found, sort, limit),
    }  # fmt: skip
