"""The whole last process scan, kept for search: every process, not only the top rows.

The processes collector hands each tick's scan to ``ProcessTable.keep`` (one assignment: the
sampler pays nothing more). ``search`` answers from that scan, never scanning again: pid,
status, CPU, memory and threads are the scan's; name, user and command line (masked as the
collector masks them, whole, not cut to ``cmdline_max``) are read once per process on the first
search that needs them and kept while that process (same pid, start time and command name)
stays in the scan, re-read after ``ttl`` seconds. A search reads at most ``budget_s`` of such
details; the processes still unread are matched by their command name only and counted in
``unread``, and the next search reads on (a host with thousands of new processes completes
within a few searches; the live page asks again every few seconds while its filter is set).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from collectors.base import Clock
from collectors.procfs import ProcStat

SORT_KEYS = ("pid", "name", "user", "cpu", "rss", "mem", "threads", "status")
NUMERIC_KEYS = ("pid", "cpu", "rss", "mem", "threads")
CMDLINE_SHOWN_MAX = 32_768  # a search row's command line: whole up to this, then cut with "…"
DETAILS_TTL_S = 30.0
BUDGET_S = 0.025  # detail reads per search (of processes not yet read)

ELLIPSIS = "…"

Details = dict[str, Any]  # {"name", "user", "cmdline" (masked text or None)}
ReadDetails = Callable[[ProcStat], Details]
_Key = tuple[int, int, str]


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


def psutil_scan_rows(scanned: Sequence[tuple[Any, dict[str, Any]]]) -> list[ProcStat]:
    """The psutil path's scan as rows: ``start`` is id(Process) (psutil keeps one object per
    process across scans), threads and command name unknown until the details are read."""
    return [
        ProcStat(
            info.get("pid"),
            info.get("status") or "unknown",
            info.get("cpu_percent"),
            getattr(info.get("memory_info"), "rss", None),
            None,
            id(process),
            "",
        )
        for process, info in scanned
    ]


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """``rows`` ordered by ``key`` (unknown values last either way), then by pid."""
    known = [r for r in rows if r.get(key) is not None]
    unknown = [r for r in rows if r.get(key) is None]
    if key in NUMERIC_KEYS:
        known.sort(key=lambda r: (-r[key] if descending else r[key], r["pid"]))
    else:
        known.sort(key=lambda r: r["pid"])
        known.sort(key=lambda r: str(r[key]).lower(), reverse=descending)
    unknown.sort(key=lambda r: r["pid"])
    return known + unknown


class ProcessTable:
    """The last scan of one host's processes, searchable by name, user, command line or pid.

    ``read_details`` gives one scanned process's name, user and shown command line (None for
    what it cannot read, or for all of them once the process has gone); ``memory_total`` the
    physical memory for ``mem``. Thread-safe: the sampler's thread keeps, request threads search.
    """

    def __init__(
        self,
        read_details: ReadDetails,
        memory_total: Callable[[], int | None],
        *,
        clock: Clock = time.monotonic,
        timer: Clock = time.perf_counter,
        ttl: float = DETAILS_TTL_S,
        budget_s: float = BUDGET_S,
    ) -> None:
        self._read_details = read_details
        self._memory_total = memory_total
        self._clock = clock
        self._timer = timer
        self._ttl = ttl
        self._budget_s = budget_s
        self._scan: tuple[float, Sequence[ProcStat]] | None = None
        self._details: dict[_Key, tuple[float, Details]] = {}
        self._lock = threading.Lock()

    def keep(self, scanned: Sequence[ProcStat]) -> None:
        """Makes ``scanned`` (one whole scan, not changed afterwards) the one searched."""
        self._scan = (self._clock(), scanned)

    @property
    def scanned(self) -> bool:
        """Whether a scan has been kept."""
        return self._scan is not None

    def search(self, query: str = "", *, limit: int = 100, sort: str = "cpu",
               descending: bool = True) -> dict[str, Any]:  # fmt: skip
        """Every process of the last scan whose name, user or command line contains ``query``
        (any case), or whose pid is ``query``; all of them for an empty one. The first
        ``limit`` in ``sort`` order, with ``total`` (processes in the scan), ``matched``,
        ``unread`` (processes matched by command name only, their details not read yet) and
        the scan's age in seconds."""
        scan = self._scan
        if scan is None:
            return {"total": 0, "matched": 0, "unread": 0, "scan_age_s": None, "processes": []}
        at, scanned = scan
        needle = query.strip().lower()
        with self._lock:
            details, unread = self._details_of(scanned)
        total_memory = self._memory_total()
        matched = [
            self._row(process, details.get(_key(process)), total_memory)
            for process in scanned
            if _matches(process, details.get(_key(process)), needle)
        ]
        return {
            "total": len(scanned),
            "matched": len(matched),
            "unread": unread,
            "scan_age_s": round(max(0.0, self._clock() - at), 3),
            "processes": sort_rows(matched, sort, descending)[:limit],
        }

    def _details_of(self, scanned: Sequence[ProcStat]) -> tuple[dict[_Key, Details], int]:
        """Details per process of the scan, reading unread (or expired) ones while the budget
        lasts; forgets those of processes no longer scanned. Returns them and the unread count."""
        now = self._clock()
        deadline = self._timer() + self._budget_s
        kept: dict[_Key, tuple[float, Details]] = {}
        out: dict[_Key, Details] = {}
        unread = 0
        for process in scanned:
            key = _key(process)
            entry = self._details.get(key)
            if entry is None or now - entry[0] >= self._ttl:
                if self._timer() < deadline:
                    entry = (now, self._read_details(process))
                elif entry is None:
                    unread += 1
                    continue
            kept[key] = entry
            out[key] = entry[1]
        self._details = kept
        return out, unread

    @staticmethod
    def _row(process: ProcStat, details: Details | None, total: int | None) -> dict[str, Any]:
        details = details or {}
        return {
            "pid": process.pid,
            "name": details.get("name") or process.comm or None,
            "user": details.get("user"),
            "cpu": process.cpu,
            "rss": process.rss,
            "mem": round(process.rss / total * 100, 2)
            if process.rss is not None and total
            else None,
            "threads": process.threads,
            "status": process.status,
            "cmdline": details.get("cmdline"),
        }


def _key(process: ProcStat) -> _Key:
    return (process.pid, process.start, process.comm)


def _matches(process: ProcStat, details: Details | None, needle: str) -> bool:
    if not needle:
        return True
    if needle == str(process.pid) or needle in process.comm.lower():
        return True
    if details is None:
        return False
    return any(needle in (details.get(k) or "").lower() for k in ("name", "user", "cmdline"))
