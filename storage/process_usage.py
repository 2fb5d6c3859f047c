"""What each process name used over a span, from the stored top-process snapshots.

Each snapshot stands for the time until the next one, at most ``gap_cap`` seconds (so downtime
counts nothing), clipped to the span asked for; the snapshot just before the span counts for
the part of its time inside it. So the usage of two adjacent spans adds up to that of both
together, which lets hours be rolled up once (``storage.process_rollups``) and merged.

A process counts while it is in a snapshot's top-CPU or top-memory list: its CPU-seconds are a
floor (what it used out of the lists is not stored), exact for a process that stayed in them.
Processes are grouped by name: the CPU and memory of a name's processes in one snapshot add up
(four ``postgres`` workers are one ``postgres``); ``pids`` are the distinct processes behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GAP_FACTOR = 3.0  # a snapshot stands for at most this many snapshot intervals


@dataclass
class ProcessUsage:
    """One name's use over a span; ``merge`` adds another span's."""

    name: str
    cpu_s: float = 0.0  # CPU-seconds (one core busy for a second = 1)
    rss_peak: int = 0  # bytes, the most its processes held together
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

    def as_row(self) -> list[Any]:
        """A compact form for a rollup blob (``from_row`` reads it back)."""
        return [self.cpu_s, self.rss_peak, self.rss_sum, self.top_s, sorted(self.pids),
                self.user, self.command]  # fmt: skip

    @classmethod
    def from_row(cls, name: str, row: list[Any]) -> ProcessUsage:
        cpu_s, rss_peak, rss_sum, top_s, pids, user, command = row
        return cls(name, cpu_s, rss_peak, rss_sum, top_s, set(pids), user, command)


def merge_into(total: dict[str, ProcessUsage], part: dict[str, ProcessUsage]) -> None:
    """Adds ``part``'s usage to ``total``, name by name."""
    for name, used in part.items():
        if name in total:
            total[name].merge(used)
        else:
            total[name] = used


def usage(
    snapshots: Iterable[tuple[float, dict[str, Any]]], start: float, end: float, gap_cap: float
) -> dict[str, ProcessUsage]:
    """Per process name, what the time-sorted ``(ts, snapshot)`` pairs say it used in
    ``[start, end)`` (epoch seconds)."""
    return usage_by_part(snapshots, [start, end], gap_cap)[0]


def usage_by_part(
    snapshots: Iterable[tuple[float, dict[str, Any]]], edges: list[float], gap_cap: float
) -> list[dict[str, ProcessUsage]]:
    """``usage`` of each part ``[edges[i], edges[i + 1])``, reading ``snapshots`` (time-sorted)
    once with one snapshot of lookahead: a day of them is never held at once. The usage of
    each part equals ``usage`` of that part alone."""
    parts: list[dict[str, ProcessUsage]] = [{} for _ in edges[1:]]
    held: tuple[float, dict[str, Any]] | None = None
    for current in snapshots:
        if held is not None:
            _spread(parts, edges, held, current[0], gap_cap)
        held = current
    if held is not None:
        _spread(parts, edges, held, edges[-1], gap_cap)
    return parts


def _spread(
    parts: list[dict[str, ProcessUsage]],
    edges: list[float],
    held: tuple[float, dict[str, Any]],
    following: float,
    gap_cap: float,
) -> None:
    """Counts snapshot ``held`` in every part its time (until ``following``, at most
    ``gap_cap``) overlaps, each part clipped at its own edges."""
    ts, snapshot = held
    until = min(following, ts + gap_cap)
    for i, out in enumerate(parts):
        seconds = min(until, edges[i + 1]) - max(ts, edges[i])
        if seconds > 0:
            _count(out, snapshot, seconds)


def _count(out: dict[str, ProcessUsage], snapshot: dict[str, Any], seconds: float) -> None:
    """Adds one snapshot, standing for ``seconds``, to ``out``."""
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
