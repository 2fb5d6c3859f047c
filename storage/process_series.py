"""One process name's CPU and memory over a range, for a chart of it.

Up to ``SNAPSHOT_SPAN_S`` (6 hours) the points are the snapshots themselves (every 5 s: the
name's CPU % of one core and its memory, summed over its processes, None where it was not in
the top lists); beyond, one point per hour of the process usage rollup (the name's average CPU %
over the hour and its peak memory), and one for each part of the range not in whole stored
hours (its edges, hours not rolled up yet), from the snapshots.
"""

from __future__ import annotations

from typing import Any

from storage.process_rollups import usage_parts
from storage.snapshot_reads import iter_snapshots
from storage.store import MetricStore

SNAPSHOT_SPAN_S = 6 * 3600.0


def process_series(
    store: MetricStore, host: str, name: str, start: float, end: float
) -> dict[str, Any]:
    """``{"resolution": "snapshot"|"1h", "ts": [...], "cpu": [...], "rss": [...]}`` of the
    process name ``name`` on ``host`` in ``[start, end)``."""
    if end - start <= SNAPSHOT_SPAN_S:
        ts, cpu, rss = [], [], []
        for at, snapshot in iter_snapshots(store, host, start, end):
            rows = {r["pid"]: r for key in ("top_cpu", "top_mem") for r in snapshot.get(key, ())
                    if isinstance(r, dict) and r.get("name") == name and "pid" in r}  # fmt: skip
            ts.append(at)
            listed = bool(rows)
            cpu.append(sum(float(r.get("cpu") or 0.0) for r in rows.values()) if listed else None)
            rss.append(sum(int(r.get("rss") or 0) for r in rows.values()) if listed else None)
        return {"resolution": "snapshot", "ts": ts, "cpu": cpu, "rss": rss}
    ts, cpu, rss = [], [], []
    for lo, hi, part in usage_parts(store, host, start, end):
        used = part.get(name)
        ts.append(lo)
        cpu.append(round(100 * used.cpu_s / (hi - lo), 3) if used else None)
        rss.append(used.rss_peak if used else None)
    return {"resolution": "1h", "ts": ts, "cpu": cpu, "rss": rss}
