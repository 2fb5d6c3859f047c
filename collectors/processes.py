"""Process counts by status and the top processes by CPU and by memory."""

from __future__ import annotations

import contextlib
import heapq
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from operator import attrgetter
from types import ModuleType
from typing import Any

import psutil

from collectors import process_table
from collectors._common import optional_call
from collectors.base import Clock, MetricTable
from collectors.procfs import ProcfsReader, ProcStat
from collectors.shown_cmdlines import ShownCmdlines

# Read for every process by the one process_iter pass: enough to count by status and to rank by
# CPU and by RSS. On Linux, psutil reads /proc/PID/stat once for cpu_percent and status (shared
# inside the pass's oneshot) and /proc/PID/statm for memory_info.
ATTRS = ["pid", "cpu_percent", "memory_info", "status"]
# Read only for the processes that make a top list, inside their oneshot(): username and
# num_threads share one /proc/PID/status read; cmdline reads /proc/PID/cmdline. name is here and
# not in ATTRS because, for a name of 15+ characters (kernel threads, many daemons), psutil also
# reads /proc/PID/cmdline to find the untruncated name: too dear for every process.
DETAIL_ATTRS = ("name", "username", "num_threads", "cmdline")
# Always present in "counts" (0 when none) so their series never have gaps.
COMMON_STATUSES = ("running", "sleeping", "disk-sleep", "idle", "stopped", "zombie")
# A top row's name, user and command line are read again after this long (on the /proc path).
DETAILS_TTL_S = process_table.DETAILS_TTL_S
_Kept = tuple[float, dict[str, Any]]  # (read at, {"name", "user", "cmdline"} as sent)
_STATUS, _CPU, _RSS = attrgetter("status"), attrgetter("cpu"), attrgetter("rss")


def _exceptions(psutil_module: ModuleType | Any, *names: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(psutil_module, name) for name in names if hasattr(psutil_module, name))


def _cpu_key(info: dict[str, Any]) -> float:
    cpu = info.get("cpu_percent")
    return cpu if cpu is not None else -1.0


def _rss_key(info: dict[str, Any]) -> int:
    rss = getattr(info.get("memory_info"), "rss", None)
    return rss if rss is not None else -1


class ProcessesCollector:
    """Counts, total, top N by CPU and by RSS, from one cheap scan and a few detail reads.

    With ``procfs`` (Linux: ``default_collectors`` passes a reader of /proc when it can), the
    scan is ``ProcfsReader.scan``: one /proc/PID/stat read per process gives status, cpu, rss
    and threads, fresh each tick. ``cpu`` is CPU time since the previous tick (100 = one core;
    0.0 on a process's first sighting); ``rss`` is the kernel's fast per-CPU counter (stat
    field 24), which may trail VmRSS by a few pages per CPU. The name, user and command line
    (masked, truncated) of a top row are read once and kept while the process (same pid, start
    time and command name) stays a top row, re-read every ``details_ttl`` seconds; a process
    gone before its details are read keeps its row with null details.

    Without ``procfs``, psutil: one ``process_iter(attrs=ATTRS)`` pass over every process
    (counting and ranking), then, only for the processes that made a top list (each once,
    even when in both), DETAIL_ATTRS read inside its ``oneshot()``. psutil keeps its Process
    objects across ``process_iter`` calls, so ``cpu`` is psutil's per-process ``cpu_percent``
    since the previous tick (100 = one core; 0.0 on a process's first sighting).

    ``table`` keeps each whole scan for search (``collectors.process_table``).

    Both: ``mem`` is rss / physical memory * 100, the total read once at construction.
    Processes that vanish or deny access during the scan (NoSuchProcess, AccessDenied,
    ZombieProcess, raised by the iteration or by reading ``info``) are skipped; attributes
    psutil could not read come back as None and give null fields. A detail that raises
    AccessDenied or ZombieProcess is null; a process that vanished after the scan
    (NoSuchProcess) keeps its row, with the scan's pid, cpu, rss, mem and status, and null for
    its details: it was counted in ``total``, so the top lists still show it. Command lines
    are truncated to ``cmdline_max`` characters; each distinct command line of a process is
    masked once and kept while the process stays in the scan (``collectors.shown_cmdlines``).
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
        hide_cmdline: bool = False,
        mask_secrets: bool = True,
        procfs: ProcfsReader | None = None,
        clock: Clock = time.monotonic,
        details_ttl: float = DETAILS_TTL_S,
    ) -> None:
        if top_n < 0 or cmdline_max < 1:
            raise ValueError("top_n must be >= 0 and cmdline_max >= 1")
        self._psutil = psutil_module
        self._top_n = top_n
        self._cmdline_max = cmdline_max
        self._cmdlines = ShownCmdlines(hide_cmdline=hide_cmdline, mask_secrets=mask_secrets)
        self._errors = _exceptions(psutil_module, "NoSuchProcess", "AccessDenied", "ZombieProcess")
        self._unreadable = _exceptions(psutil_module, "AccessDenied", "ZombieProcess")
        self._gone = _exceptions(psutil_module, "NoSuchProcess")
        self._memory_total = self._read_memory_total()
        self._procfs = procfs
        self._clock = clock
        self._details_ttl = details_ttl
        self._kept: dict[tuple[int, int, str], _Kept] = {}  # by (pid, start, comm)
        self.table = process_table.ProcessTable(
            self._search_details, lambda: self._memory_total, clock=clock
        )
        self._by_id: dict[int, Any] = {}  # the psutil path's last scan: id(Process) -> Process

    def _read_memory_total(self) -> int | None:
        """Physical memory in bytes; None when unreadable (retried next tick, ``mem`` null)."""
        memory = optional_call(getattr(self._psutil, "virtual_memory", None))
        total = getattr(memory, "total", None)
        return total if isinstance(total, int) and total > 0 else None

    def collect(self) -> dict[str, Any]:
        """Scans the process table once, then reads the details of the top rows only."""
        if self._memory_total is None:
            self._memory_total = self._read_memory_total()
        if self._procfs is not None:
            return self._collect_procfs(self._procfs)
        counts = dict.fromkeys(COMMON_STATUSES, 0)
        scanned: list[tuple[Any, dict[str, Any]]] = []
        for process, info in self._scan():
            status = info.get("status") or "unknown"
            counts[status] = counts.get(status, 0) + 1
            scanned.append((process, info))
        self._by_id = {id(process): process for process, _ in scanned}
        rows = process_table.psutil_scan_rows(scanned)
        self.table.keep(rows)
        self._cmdlines.retain(rows)
        top_cpu = heapq.nlargest(self._top_n, scanned, key=lambda pair: _cpu_key(pair[1]))
        top_mem = heapq.nlargest(self._top_n, scanned, key=lambda pair: _rss_key(pair[1]))
        details: dict[int, dict[str, Any]] = {}  # id(process) -> DETAIL_ATTRS, read once
        return {
            "total": len(scanned),
            "counts": counts,
            "top_cpu": self._rows(top_cpu, details),
            "top_mem": self._rows(top_mem, details),
        }

    def _scan(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        """Each readable process and its ``info``; vanished or forbidden ones are left out."""
        processes = iter(self._psutil.process_iter(attrs=ATTRS, ad_value=None))
        while True:
            try:
                process = next(processes)
                info = process.info
            except StopIteration:
                return
            except self._errors:
                continue
            if isinstance(info, dict):
                yield process, info

    def _rows(
        self, ranked: Sequence[tuple[Any, dict[str, Any]]], details: dict[int, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        rows = []
        for process, info in ranked:
            if id(process) not in details:
                details[id(process)] = self._details(process)
            rows.append(self._row(info, details[id(process)], id(process)))
        return rows

    def _details(self, process: Any) -> dict[str, Any]:
        """DETAIL_ATTRS of one process; None for each one it would not give."""
        details: dict[str, Any] = dict.fromkeys(DETAIL_ATTRS)
        try:
            with process.oneshot():
                for attr in DETAIL_ATTRS:
                    with contextlib.suppress(*self._unreadable):
                        details[attr] = getattr(process, attr)()
        except self._gone:  # vanished since the scan: the other details would raise too
            pass
        return details

    def _row(self, info: dict[str, Any], details: dict[str, Any], start: int) -> dict[str, Any]:
        pid = info.get("pid")
        return self._process_row(
            pid,
            details["name"],
            details["username"],
            info.get("cpu_percent"),
            getattr(info.get("memory_info"), "rss", None),
            details["num_threads"],
            info.get("status"),
            self._cmdlines.shown((pid, start), details["cmdline"], self._cmdline_max),
        )

    def _process_row(self, pid: Any, name: Any, user: Any, cpu: Any, rss: Any, threads: Any,
                     status: Any, cmdline: str | None) -> dict[str, Any]:  # fmt: skip
        """One top-list row; ``mem`` is rss as a share of physical memory (None if unknown)."""
        total = self._memory_total
        return {
            "pid": pid,
            "name": name,
            "user": user,
            "cpu": cpu,
            "rss": rss,
            "mem": round(rss / total * 100, 2) if rss is not None and total else None,
            "threads": threads,
            "status": status,
            "cmdline": cmdline,
        }

    def _search_details(self, process: ProcStat) -> dict[str, Any]:
        """Name, user and whole command line (masked) of one process of the last scan."""
        found = dict.fromkeys(DETAIL_ATTRS)  # gone from the psutil path's scan since
        if self._procfs is not None:
            found = self._procfs.details(process)
        elif (kept := self._by_id.get(process.start)) is not None:
            found = self._details(kept)
        identity = (process.pid, process.start)
        cmdline = self._cmdlines.shown(identity, found["cmdline"], process_table.CMDLINE_SHOWN_MAX)
        return {"name": found["name"], "user": found["username"], "cmdline": cmdline}

    # -- /proc path ---------------------------------------------------------------------------

    def _collect_procfs(self, reader: ProcfsReader) -> dict[str, Any]:
        scanned = reader.scan()
        self.table.keep(scanned)
        self._cmdlines.retain(scanned)
        counts = dict.fromkeys(COMMON_STATUSES, 0)
        counts.update(Counter(map(_STATUS, scanned)))  # others in order of first sighting
        # a stable sort, as nlargest: ties keep pid order (C-level, cheaper than nlargest's key)
        top_cpu = sorted(scanned, key=_CPU, reverse=True)[: self._top_n]
        top_mem = sorted(scanned, key=_RSS, reverse=True)[: self._top_n]
        now = self._clock()
        kept: dict[tuple[int, int, str], _Kept] = {}
        rows = []
        for process in (*top_cpu, *top_mem):
            key = (process.pid, process.start, process.comm)
            entry = kept.get(key) or self._kept.get(key)
            if entry is None or now - entry[0] >= self._details_ttl:
                entry = (now, self._shown_details(process, reader.details(process)))
            kept[key] = entry
            details = entry[1]
            rows.append(
                self._process_row(
                    process.pid,
                    details["name"],
                    details["user"],
                    process.cpu,
                    process.rss,
                    process.threads,
                    process.status,
                    details["cmdline"],
                )
            )
        self._kept = kept  # forgets the processes that left the top lists
        return {
            "total": len(scanned),
            "counts": counts,
            "top_cpu": rows[: len(top_cpu)],
            "top_mem": rows[len(top_cpu) :],
        }

    def _shown_details(self, process: ProcStat, details: dict[str, Any]) -> dict[str, Any]:
        identity = (process.pid, process.start)
        return {
            "name": details["name"],
            "user": details["username"],
            "cmdline": self._cmdlines.shown(identity, details["cmdline"], self._cmdline_max),
        }
