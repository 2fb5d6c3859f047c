"""Thin samples: of a whole sample, only what the live page's graphs draw.

The hub's backlog is what a newly connected browser gets first: up to 15 minutes of samples.
The graphs draw a few dozen numbers of each (``assets/live-figures.js``, ``toPoint``: CPU and
its cores, memory and swap, load, disk and network totals, temperatures, GPUs, pressure, each
workload's CPU for the table's sparklines), while a whole sample is about 9.5 KB of JSON with
the process list, the workload rows and the health. The backlog therefore keeps and sends a
sample whole only while it is recent (``whole_seconds``: what a sampler taking over re-stores,
and what the overview parses), and as its thin form (about 0.7 KB) after that; a connection
gets every backlog sample thin except the newest of each host (the cards, tables and health
come from that one). A thin sample says so: ``"thin": true``.

``THIN_PATHS`` names what is kept; keep it in step with ``toPoint`` (a test compares the points
the browser computes from a whole sample and from its thin form).
"""

from __future__ import annotations

from typing import Any

# (section path, keys kept); a key of None keeps the whole value at that path.
THIN_PATHS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("cpu",), ("total", "user", "system", "iowait", "per_core")),
    (("memory",), ("percent", "swap_percent")),
    (("load",), ("load1", "load5", "load15")),
    (("disks", "total"), ("read_bps", "write_bps")),
    (("network", "total"), ("rx_bps", "tx_bps")),
    (("pressure", "cpu"), ("some_pct",)),
    (("pressure", "memory"), ("some_pct",)),
    (("pressure", "io"), ("some_pct",)),
    (("health",), ("interval_s",)),
)
# Lists of records, each reduced to these keys.
THIN_LISTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("sensors", "temperatures"), ("label", "current")),
    (("gpus",), ("index", "name", "util_pct")),
    (("cgroups", "workloads"), ("key", "cpu_pct")),
)


def _at(sample: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = sample
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _put(thin: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = thin
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def thin_sample(sample: dict[str, Any]) -> dict[str, Any]:
    """The thin form of ``sample``: its identity, the graphed values, ``"thin": True``.
    Sections the sample lacks stay absent (the browser draws gaps, and hides their graphs)."""
    thin: dict[str, Any] = {key: sample[key] for key in ("v", "host", "ts", "seq") if key in sample}
    thin["thin"] = True
    for path, keys in THIN_PATHS:
        section = _at(sample, path)
        if isinstance(section, dict):
            kept = {k: section[k] for k in keys if k in section}
            if kept:
                _put(thin, path, kept)
    for path, keys in THIN_LISTS:
        records = _at(sample, path)
        if isinstance(records, list):
            rows = [{k: r[k] for k in keys if k in r} for r in records if isinstance(r, dict)]
            _put(thin, path, rows)
    return thin
