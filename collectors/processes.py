"""Process counts by status and the top processes by CPU and by memory."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psutil

from collectors.base import MetricTable

ATTRS = [
    "pid", "name", "username", "cpu_percent", "memory_info", "memory_percent", "num_threads",
    "status", "cmdline",
]  # fmt: skip
# Always present in "counts" (0 when none) so their series never have gaps.
COMMON_STATUSES = ("running", "sleeping", "disk-sleep", "idle", "stopped", "zombie")
ELLIPSIS = "…"


def truncate_cmdline(cmdline: Any, limit: int) -> str | None:
    """Arguments joined by spaces, at most ``limit`` characters, ending in "…" when cut.

    None when unknown (access denied); "" for an empty command line (kernel threads).
    """
    if cmdline is None:
        return None
    text = " ".join(cmdline) if isinstance(cmdline, list | tuple) else str(cmdline)
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def _cpu_key(info: dict[str, Any]) -> float:
    cpu = info.get("cpu_percent")
    return cpu if cpu is not None else -1.0


def _rss_key(info: dict[str, Any]) -> int:
    rss = getattr(info.get("memory_info"), "rss", None)
    return rss if rss is not None else -1


class ProcessesCollector:
    """One ``process_iter(attrs=ATTRS)`` pass per tick: counts, total, top N by CPU and by RSS.

    Processes that vanish or deny access during the scan (NoSuchProcess, AccessDenied,
    ZombieProcess, raised by the iteration or by reading ``info``) are skipped; attributes psutil
    could not read come back as None and give null fields. ``cpu`` is psutil's per-process
    ``cpu_percent`` (100 = one core; 0.0 on a process's first sighting). Only the top rows get a
    command line, truncated to ``cmdline_max`` characters.
    """

    name = "processes"
    METRICS: MetricTable = {
        "total": ("processes", "processes on the host"),
        "counts": ("processes", "processes per status (running, sleeping, zombie, ...)"),
        **{
            f"{top}.{key}": unit_description
            for top in ("top_cpu", "top_mem")
            for key, unit_description in {
                "pid": ("id", "process id"),
                "name": ("text", "process name"),
                "user": ("text", "owner (null when unknown)"),
                "cpu": ("%", "CPU use since the previous tick, 100 = one core"),
                "rss": ("bytes", "resident memory"),
                "mem": ("%", "resident memory as a share of physical memory"),
                "threads": ("threads", "number of threads"),
                "status": ("text", "process status"),
                "cmdline": ("text", "command line, truncated"),
            }.items()
        },
    }

    def __init__(
        self,
        psutil_module: ModuleType | Any = psutil,
        *,
        top_n: int = 15,
        cmdline_max: int = 256,
    ) -> None:
        if top_n < 0 or cmdline_max < 1:
            raise ValueError("top_n must be >= 0 and cmdline_max >= 1")
        self._psutil = psutil_module
        self._top_n = top_n
        self._cmdline_max = cmdline_max
        self._errors = tuple(
            getattr(psutil_module, name)
            for name in ("NoSuchProcess", "AccessDenied", "ZombieProcess")
            if hasattr(psutil_module, name)
        )

    def collect(self) -> dict[str, Any]:
        """Scans the process table once."""
        counts = dict.fromkeys(COMMON_STATUSES, 0)
        infos = []
        for info in self._scan():
            status = info.get("status") or "unknown"
            counts[status] = counts.get(status, 0) + 1
            infos.append(info)
        return {
            "total": len(infos),
            "counts": counts,
            "top_cpu": [self._row(i) for i in heapq.nlargest(self._top_n, infos, key=_cpu_key)],
            "top_mem": [self._row(i) for i in heapq.nlargest(self._top_n, infos, key=_rss_key)],
        }

    def _scan(self) -> Iterator[dict[str, Any]]:
        """Each readable process's ``info`` dict; vanished or forbidden ones are left out."""
        processes = iter(self._psutil.process_iter(attrs=ATTRS, ad_value=None))
        while True:
            try:
                info = next(processes).info
            except StopIteration:
                return
            except self._errors:
                continue
            if isinstance(info, dict):
                yield info

    def _row(self, info: dict[str, Any]) -> dict[str, Any]:
        memory_percent = info.get("memory_percent")
        return {
            "pid": info.get("pid"),
            "name": info.get("name"),
            "user": info.get("username"),
            "cpu": info.get("cpu_percent"),
            "rss": getattr(info.get("memory_info"), "rss", None),
            "mem": round(memory_percent, 2) if memory_percent is not None else None,
            "threads": info.get("num_threads"),
            "status": info.get("status"),
            "cmdline": truncate_cmdline(info.get("cmdline"), self._cmdline_max),
        }
