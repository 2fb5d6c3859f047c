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
from operator import attrgetter
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
# per pid: start time and command name (which process), read at, details, the text searched
_Entry = tuple[int, str, float, Details, str]


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


def _entry(process: ProcStat, now: float, details: Details) -> _Entry:
    """A kept entry; its text is the fields searched, lower-cased, apart (a query holds no
    control character, so it never matches across two of them)."""
    fields = (process.comm, details.get("name"), details.get("user"), details.get("cmdline"))
    text = "\0".join(f or "" for f in fields).lower()
    return (process.start, process.comm, now, details, text)


class ProcessTable:
    """The last scan of one host's processes, searchable by name, user, command line or pid.

    ``read_details`` gives one scanned process's name, user and shown command line (None for
    what it cannot read, or for all of them once the process has gone); ``memory_total`` the
    physical memory for ``mem``. Thread-safe: the sampler's thread keeps, searches take turns.
    A search allocates few objects that outlive it (entries are keyed by pid, the matches are
    the scan's own rows), so it does not bring on the garbage collector's full passes.
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
        self._entries: dict[int, _Entry] = {}
        self._pruned_for: Sequence[ProcStat] | None = None
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
        ``limit`` in ``sort`` order (unknown values last, ties in pid order), with ``total``
        (processes in the scan), ``matched``, ``unread`` (processes matched by command name
        only, their details not read yet) and the scan's age in seconds."""
        scan = self._scan
        if scan is None:
            return {"total": 0, "matched": 0, "unread": 0, "scan_age_s": None, "processes": []}
        at, scanned = scan
        needle = query.strip().lower()
        pid = int(needle) if needle.isdigit() else None
        with self._lock:
            unread = self._read_some(scanned)
            entries = self._entries
            matched = []
            for process in scanned:
                entry = entries.get(process.pid)
                text = entry[4] if entry is not None else process.comm.lower()
                if needle in text or process.pid == pid:
                    matched.append(process)
            shown = self._ordered(matched, sort, descending)[:limit]
            details = [(p, (entries.get(p.pid) or (0, "", 0.0, {}))[3]) for p in shown]
        total_memory = self._memory_total()
        return {
            "total": len(scanned),
            "matched": len(matched),
            "unread": unread,
            "scan_age_s": round(max(0.0, self._clock() - at), 3),
            "processes": [_row(p, d, total_memory) for p, d in details],
        }

    def _read_some(self, scanned: Sequence[ProcStat]) -> int:
        """Reads the details of unread (or expired) processes of the scan while the budget
        lasts, after forgetting those no longer in it; returns how many are still unread."""
        entries = self._entries
        if scanned is not self._pruned_for:  # once per scan
            self._pruned_for = scanned
            alive = {p.pid for p in scanned}
            for pid in [pid for pid in entries if pid not in alive]:
                del entries[pid]
        now = self._clock()
        deadline = self._timer() + self._budget_s
        unread = 0
        for process in scanned:
            entry = entries.get(process.pid)
            same = entry is not None and entry[0] == process.start and entry[1] == process.comm
            if same and now - entry[2] < self._ttl:
                continue
            if self._timer() < deadline:
                entries[process.pid] = _entry(process, now, self._read_details(process))
            elif not same:  # another process under a known pid: forget the old one's details
                entries.pop(process.pid, None)
                unread += 1
        return unread

    def _ordered(self, matched: list[ProcStat], key: str, descending: bool) -> list[ProcStat]:
        """``matched`` (in pid order) sorted by ``key``: unknown values last either way, ties
        in pid order (sorting is stable, also reversed)."""
        if key in ("name", "user"):
            entries = self._entries

            def value(p: ProcStat) -> str | None:
                found = (entries.get(p.pid) or (0, "", 0.0, {}))[3].get(key)
                return found or (p.comm or None if key == "name" else None)
        else:
            value = attrgetter("rss" if key == "mem" else key)
        known = [p for p in matched if value(p) is not None]
        unknown = [p for p in matched if value(p) is None]
        if key in NUMERIC_KEYS:
            known.sort(key=value, reverse=descending)
        else:
            known.sort(key=lambda p: value(p).lower(), reverse=descending)
        return known + unknown


def _row(process: ProcStat, details: Details, total: int | None) -> dict[str, Any]:
    rss = process.rss
    return {
        "pid": process.pid,
        "name": details.get("name") or process.comm or None,
        "user": details.get("user"),
        "cpu": process.cpu,
        "rss": rss,
        "mem": round(rss / total * 100, 2) if rss is not None and total else None,
        "threads": process.threads,
        "status": process.status,
        "cmdline": details.get("cmdline"),
    }
