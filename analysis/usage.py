"""Who used the machine: process names ranked by CPU-seconds, memory or time in the top lists
(what each used comes from ``storage.process_usage``)."""

from __future__ import annotations

from typing import Any

from storage.process_usage import ProcessUsage

SORTS = ("cpu_s", "rss_peak", "rss_avg", "top_s")


def usage_row(used: ProcessUsage) -> dict[str, Any]:
    """One name's figures as the API shows them (``rss_avg``: bytes, over its time in top)."""
    return {
        "name": used.name, "cpu_s": round(used.cpu_s, 3), "rss_peak": used.rss_peak,
        "rss_avg": round(used.rss_sum / used.top_s) if used.top_s else None,
        "top_s": round(used.top_s, 3), "pids": len(used.pids), "user": used.user,
        "command": used.command,
    }  # fmt: skip


def ranked(
    found: dict[str, ProcessUsage], sort: str = "cpu_s", limit: int = 50
) -> list[dict[str, Any]]:
    """The ``limit`` first names by ``sort`` (one of ``SORTS``, highest first; ties by name)."""
    rows = [usage_row(u) for u in found.values()]
    rows.sort(key=lambda r: (-(r[sort] or 0), r["name"]))
    return rows[:limit]
