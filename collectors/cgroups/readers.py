"""A workload's counters from its accounting files, on the unified (v2) or the v1 hierarchies.

``read`` returns None when the workload's cgroup is gone (its CPU counter cannot be read);
any other file that cannot be read or parsed leaves its fields None. ``full=False`` reads only
what ranks every workload each tick (CPU use, memory in use, OOM kills); ``full=True`` also
reads what the sample shows for its top rows (limits, throttling, page cache, I/O, tasks, PSI).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from collectors.cgroups.files import OpenFiles, io_v1, io_v2, keyed, number, pressure_totals
from collectors.cgroups.hierarchy import Hierarchy

V1_UNLIMITED = 1 << 62  # memory.limit_in_bytes reads about 2^63 when there is no limit
PSI_RESOURCES = ("cpu", "memory", "io")
V1_IO_FILES = ("blkio.throttle.io_service_bytes_recursive", "blkio.io_service_bytes_recursive")


@dataclass
class Counters:
    """What one read of a workload gives; None where the kernel does not say."""

    cpu_s: float | None  # CPU time used since the cgroup exists, seconds
    mem_usage: int | None = None  # bytes charged, page cache included
    oom_kills: int | None = None
    periods: int | None = None  # CFS enforcement periods (with a quota)
    throttled_periods: int | None = None
    throttled_s: float | None = None
    has_quota: bool = False
    inactive_file: int | None = None  # reclaimable page cache, bytes
    mem_limit: int | None = None
    io_read: int | None = None
    io_write: int | None = None
    tasks: int | None = None
    psi_some_us: dict[str, int] = field(default_factory=dict)  # resource -> total stalled µs


class CgroupReader:
    """Reads workloads by their path relative to the hierarchy root."""

    def __init__(self, hierarchy: Hierarchy, files: OpenFiles | None = None) -> None:
        self.hierarchy = hierarchy
        self.files = files or OpenFiles()
        self._cpu_stat: dict[str, str | None] = {}  # rel -> this tick's v2 cpu.stat text

    def forget(self, rel: str) -> None:
        """Drops what is kept of the workload at ``rel`` (it is gone)."""
        self._cpu_stat.pop(rel, None)

    def _dir(self, controller: str, rel: str) -> str | None:
        h = self.hierarchy
        if h.reads_v2(controller):
            return f"{h.unified}/{rel}"
        mount = h.v1.get(controller)
        return f"{mount}/{rel}" if mount is not None else None

    def _text(self, controller: str, rel: str, name: str) -> str | None:
        directory = self._dir(controller, rel)
        if directory is None:
            return None
        try:
            return self.files.read(f"{directory}/{name}")
        except OSError:
            return None

    def read(self, rel: str, full: bool) -> Counters | None:
        """The counters of the workload at ``rel``; None when it is gone."""
        out = Counters(self._cpu_seconds(rel))
        if out.cpu_s is None and not self._exists(rel):
            return None
        self._memory(out, rel, full)
        if full:
            self._full(out, rel)
        return out

    def _exists(self, rel: str) -> bool:
        root = self.hierarchy.walk_root
        return root is not None and os.path.isdir(f"{root}/{rel}")

    def _cpu_seconds(self, rel: str) -> float | None:
        """CPU time used, from v2 ``cpu.stat`` (with its throttling counters, read later from
        the same text) or v1 ``cpuacct.usage``; None where the workload has no such file."""
        if self.hierarchy.reads_v2("cpu"):
            text = self._text("cpu", rel, "cpu.stat")
            usage = keyed(text).get("usage_usec") if text is not None else None
            self._cpu_stat[rel] = text
            return None if usage is None else usage / 1e6
        text = self._text("cpuacct", rel, "cpuacct.usage")
        usage = number(text) if text is not None else None
        return None if usage is None else usage / 1e9

    def _memory(self, out: Counters, rel: str, full: bool) -> None:
        v2 = self.hierarchy.reads_v2("memory")
        usage = self._text("memory", rel, "memory.current" if v2 else "memory.usage_in_bytes")
        out.mem_usage = number(usage) if usage is not None else None
        events = self._text("memory", rel, "memory.events" if v2 else "memory.oom_control")
        if events is not None:
            out.oom_kills = keyed(events).get("oom_kill")
        if not full:
            return
        stat = self._text("memory", rel, "memory.stat")
        if stat is not None:
            out.inactive_file = keyed(stat).get("inactive_file" if v2 else "total_inactive_file")
        limit = self._text("memory", rel, "memory.max" if v2 else "memory.limit_in_bytes")
        value = number(limit) if limit is not None else None
        out.mem_limit = value if value is not None and value < V1_UNLIMITED else None

    def _full(self, out: Counters, rel: str) -> None:
        if self.hierarchy.reads_v2("cpu"):
            quota = self._text("cpu", rel, "cpu.max")
            out.has_quota = quota is not None and not quota.startswith("max")
            values = keyed(self._cpu_stat.get(rel) or "")
            _throttling(out, values.get("nr_periods"), values.get("nr_throttled"),
                        values.get("throttled_usec"), 1e6)  # fmt: skip
        else:
            quota = self._text("cpu", rel, "cpu.cfs_quota_us")
            out.has_quota = quota is not None and (number(quota) or -1) > 0
            stat = self._text("cpu", rel, "cpu.stat")
            if stat is not None:
                values = keyed(stat)
                _throttling(out, values.get("nr_periods"), values.get("nr_throttled"),
                            values.get("throttled_time"), 1e9)  # fmt: skip
        self._io(out, rel)
        tasks = self._text("pids", rel, "pids.current")
        out.tasks = number(tasks) if tasks is not None else None
        if self.hierarchy.unified is not None and self.hierarchy.reads_v2("cpu"):
            for resource in PSI_RESOURCES:
                text = self._text("cpu", rel, f"{resource}.pressure")
                if text is not None and "some" in (totals := pressure_totals(text)):
                    out.psi_some_us[resource] = totals["some"]

    def _io(self, out: Counters, rel: str) -> None:
        if self.hierarchy.reads_v2("io"):
            text = self._text("io", rel, "io.stat")
            if text is not None:
                out.io_read, out.io_write = io_v2(text)
            return
        for name in (
            "blkio.throttle.io_service_bytes_recursive",
            "blkio.io_service_bytes_recursive",
        ):
            text = self._text("blkio", rel, name)
            if text is not None:
                out.io_read, out.io_write = io_v1(text)
                return


def _throttling(
    out: Counters, periods: int | None, throttled: int | None, time: int | None, scale: float
) -> None:
    out.periods, out.throttled_periods = periods, throttled
    out.throttled_s = time / scale if time is not None else None


def cgroup_path(hierarchy: Hierarchy, rel: str) -> Path | None:
    """The directory of ``rel`` in the tree workloads are found in."""
    root = hierarchy.walk_root
    return root / rel if root is not None else None
