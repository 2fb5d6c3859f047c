"""Who used the machine: processes ranked by CPU-seconds, memory and time in the top lists,
from the stored top-process snapshots.

Each snapshot stands for the time until the next one (at most ``MAX_GAP_FACTOR`` times the
usual gap between snapshots, so downtime counts nothing). A process is counted while it is in
a snapshot's top-CPU or top-memory list: its CPU-seconds are a floor (what it used while out of
the lists is not stored), exact for a process that stayed in them. Processes are grouped by
name: the CPU and memory of a name's processes in one snapshot add up (four ``postgres``
workers are one ``postgres``), ``pids`` counts the distinct processes behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_GAP_FACTOR = 3.0
SORTS = ("cpu_s", "rss_peak", "rss_avg", "top_s")


@dataclass
class ProcessUsage:
    """One name's use over a range; mergeable (``merge``), so parts of a range add up."""

    name: str
    cpu_s: float = 0.0  # CPU-seconds (one core busy for a second = 1)
    rss_peak: int = 0  # bytes
    rss_sum: float = 0.0  # bytes × seconds, for the average
    top_s: float = 0.0  # seconds in a top list
    pids: set[int] = field(default_factory=set)
    user: str = ""
    command: str = ""  # the latest command line seen

    def merge(self, other: ProcessUsage) -> None:
        self.cpu_s += other.cpu_s
        self.rss_peak = max(self.rss_peak, other.rss_peak)
        self.rss_sum += other.rss_sum
        self.top_s += other.top_s
        self.pids |= other.pids
        self.user = other.user or self.user
        self.command = other.command or self.command

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "cpu_s": round(self.cpu_s, 3), "rss_peak": self.rss_peak,
            "rss_avg": round(self.rss_sum / self.top_s) if self.top_s else None,
            "top_s": round(self.top_s, 3), "pids": len(self.pids), "user": self.user,
            "command": self.command,
        }  # fmt: skip


def durations(times: list[float], end: float) -> list[float]:
    """How long each snapshot (at ``times``, sorted, epoch seconds) stands for, up to ``end``."""
    if not times:
        return []
    gaps = np.diff(np.asarray([*times, end], dtype=float))
    usual = float(np.median(gaps[:-1])) if len(gaps) > 1 else float(gaps[-1])
    cap = MAX_GAP_FACTOR * usual if usual > 0 else 0.0
    return [float(min(max(g, 0.0), cap)) for g in gaps]


def usage(snapshots: Iterable[tuple[float, dict[str, Any]]], end: float) -> dict[str, ProcessUsage]:
    """Per process name, what the snapshots (time-sorted ``(ts, snapshot)``) say it used until
    ``end``."""
    listed = list(snapshots)
    out: dict[str, ProcessUsage] = {}
    for (_ts, snapshot), seconds in zip(
        listed, durations([t for t, _ in listed], end), strict=True
    ):
        rows: dict[int, dict[str, Any]] = {}
        for row in (*snapshot.get("top_cpu", ()), *snapshot.get("top_mem", ())):
            if isinstance(row, dict) and "pid" in row:
                rows.setdefault(row["pid"], row)
        by_name: dict[str, list[dict[str, Any]]] = {}
        for pid, row in rows.items():
            by_name.setdefault(str(row.get("name") or f"pid {pid}"), []).append(row)
        for name, group in by_name.items():
            entry = out.get(name)
            if entry is None:
                entry = out[name] = ProcessUsage(name)
            rss = sum(int(row.get("rss") or 0) for row in group)
            entry.cpu_s += sum(float(row.get("cpu") or 0.0) for row in group) / 100 * seconds
            entry.rss_peak = max(entry.rss_peak, rss)
            entry.rss_sum += rss * seconds
            entry.top_s += seconds
            entry.pids.update(int(row["pid"]) for row in group)
            last = group[-1]
            entry.user = str(last.get("user") or entry.user)
            entry.command = str(last.get("cmdline") or entry.command)
    return out


def ranked(
    found: dict[str, ProcessUsage], sort: str = "cpu_s", limit: int = 50
) -> list[dict[str, Any]]:
    """The ``limit`` first names by ``sort`` (one of ``SORTS``, highest first; ties by name)."""
    rows = [u.as_json() for u in found.values()]
    rows.sort(key=lambda r: (-(r[sort] or 0), r["name"]))
    return rows[:limit]
