"""The ``cgroups`` section: what each container, service and pod uses, every tick.

Each tick reads every workload's CPU counter, memory in use and OOM kills (three small files,
kept open), ranks them, and reads the rest (limits, throttling, page cache, I/O, tasks, PSI)
only for the rows the sample carries: the top ``top_n`` by CPU and by memory, any charged
80 % of its memory limit or more (limits are read at each walk of the tree), any whose OOM
counter just moved or that just restarted, and, so that a workload's stored series do not come
and go with each tick, any that was among those within the last ``hold_s`` seconds. A row's
``oom_kills_now`` and ``restarted`` say what happened since the previous sample (alerts need
no earlier value of the series: a row that appears because of its OOM kill still raises it).
The tree is walked again every ``rediscover_s`` seconds and as soon as a workload vanishes.
Rates come from counters over the real elapsed time: null on a first reading, after a reset,
and for a workload re-created under the same name, which counts a restart (``restarts``).
See docs/sample-format.md for the section's shape.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.base import Clock, CollectorUnavailable, MetricTable, RateTracker
from collectors.cgroups.container_api import ContainerApi
from collectors.cgroups.discovery import Found, discover
from collectors.cgroups.hierarchy import read_hierarchy
from collectors.cgroups.naming import Namer
from collectors.cgroups.readers import CgroupReader, Counters
from collectors.cgroups.tick import TickPlan, make_plan

PSI = ("psi_cpu", "psi_memory", "psi_io")  # rate keys (and row fields) of per-cgroup pressure
NEAR_LIMIT = 0.8  # a workload charged this share of its memory limit is always a row
CONTAINER_KINDS = ("docker", "podman")  # their ids are shown short, as `docker ps` does


@dataclass
class Workload:
    """What the collector keeps of one workload cgroup between ticks."""

    found: Found
    key: str
    name: str
    restarts: int = 0
    cpu_pct: float | None = None
    mem_usage: int = 0  # bytes charged (0 when unknown: for ranking)
    mem_charged: int | None = None  # bytes charged, None when unknown
    mem_limit: int | None = None  # as read at the last walk of the tree
    in_top_at: float = float("-inf")
    oom_kills: int | None = None  # the counter at the last tick
    oom_kills_now: int = 0  # kills since the tick before
    restarted: bool = False  # re-created since the tick before (set when first seen)
    cpu_s: float | None = None  # the CPU counter at ``read_at``
    read_at: float = 0.0

    def update(self, cpu_s: float | None, mem: int | None, kills: int | None, now: float) -> None:
        """This tick's CPU share (from the counter over the real elapsed time; None on a first
        reading or a counter that went back), memory and OOM kills; a workload whose OOM counter
        moved or that came back after a restart is held in the rows."""
        last_s, elapsed = self.cpu_s, now - self.read_at
        fresh = cpu_s is not None and last_s is not None and cpu_s >= last_s and elapsed > 0
        self.cpu_pct = round((cpu_s - last_s) * 100 / elapsed, 2) if fresh else None  # type: ignore[operator]
        self.cpu_s, self.read_at = cpu_s, now
        self.mem_usage, self.mem_charged = mem or 0, mem
        last, self.oom_kills = self.oom_kills, kills
        moved = kills is not None and last is not None and kills > last
        self.oom_kills_now = kills - last if moved else 0  # type: ignore[operator]
        if self.oom_kills_now or self.restarted:
            self.in_top_at = now


class CgroupsCollector:
    """Containers, services and pods from the kernel's cgroup accounting (Linux only)."""

    name = "cgroups"
    METRICS: MetricTable = {
        "hierarchy": ("text", "cgroup hierarchies mounted: v2, v1 or hybrid"),
        "total": ("workloads", "workload cgroups found"),
        "workloads.key": ("text", "kind/name: the workload's series name, kept across restarts"),
        "workloads.name": ("text", "container, service or pod name"),
        "workloads.kind": ("text", "docker, podman, lxc, pod, service, slice, scope, user, cgroup"),
        "workloads.id": ("text", "short container id, pod uid or unit name"),
        "workloads.path": ("text", "the cgroup's path in its hierarchy"),
        "workloads.cpu_pct": ("%", "CPU used, percent of one core"),
        "workloads.cpu_host_pct": ("%", "CPU used, percent of the whole host"),
        "workloads.throttled_pct": ("%", "CPU quota periods throttled"),
        "workloads.throttled_s_per_s": ("s/s", "time held back by the CPU quota per second"),
        "workloads.mem": ("bytes", "memory in use, reclaimable page cache left out"),
        "workloads.mem_limit": ("bytes", "memory limit"),
        "workloads.mem_pct": ("%", "memory in use, percent of the limit"),
        "workloads.oom_kills": ("kills", "processes killed for lack of memory, since it started"),
        "workloads.oom_kills_now": ("kills", "OOM kills since the last sample"),
        "workloads.restarts": ("restarts", "times re-created since the monitor started"),
        "workloads.restarted": ("0/1", "1 on the sample where it came back after a restart"),
        "workloads.io_read_bps": ("bytes/s", "block I/O read"),
        "workloads.io_write_bps": ("bytes/s", "block I/O written"),
        "workloads.tasks": ("tasks", "processes and threads"),
        "workloads.psi_cpu_some_pct": ("%", "time some task waited for CPU"),
        "workloads.psi_memory_some_pct": ("%", "time some task waited for memory"),
        "workloads.psi_io_some_pct": ("%", "time some task waited for I/O"),
    }

    def __init__(
        self,
        clock: Clock = time.monotonic,
        *,
        root: Path = Path("/"),
        mountinfo: Path | None = None,
        top_n: int = 15,
        extra_roots: tuple[str, ...] = (),
        cores: int | None = None,
        rediscover_s: float = 5.0,
        hold_s: float = 300.0,
        docker_socket: str = "",
    ) -> None:
        hierarchy = read_hierarchy(root, mountinfo)
        if hierarchy is None or hierarchy.walk_root is None:
            raise CollectorUnavailable("no cgroup hierarchy with CPU or memory accounting")
        self._hierarchy = hierarchy
        self._reader = CgroupReader(hierarchy)
        api = ContainerApi(docker_socket, clock) if docker_socket else None
        self._namer = Namer(root, clock, api=api)
        self._clock = clock
        self._rates = RateTracker(clock)
        self._top_n, self._extra_roots = top_n, extra_roots
        self._cores = cores or os.cpu_count() or 1
        self._rediscover_s, self._hold_s = rediscover_s, hold_s
        self._workloads: dict[str, Workload] = {}  # by path
        self._last_seen: dict[str, tuple[str, int]] = {}  # key -> its cgroup's path and inode
        self._restarts: dict[str, int] = {}  # key -> restarts counted
        self._discovered_at = float("-inf")
        self._plan: TickPlan | None = None  # the workloads' cheap files, read in one go

    def collect(self) -> dict[str, Any]:
        """This tick's section: hierarchy, number of workloads, the rows of the top ones."""
        self._rates.tick()
        now = self._clock()
        walked = now - self._discovered_at >= self._rediscover_s
        if walked:
            self._rediscover(now)
        if self._plan is None:
            self._plan = make_plan(self._reader, list(self._workloads))
        read = self._plan.read() if self._plan is not None else None
        if read is None:
            self._read_one_by_one(now)
        else:
            seconds, mems, kills, texts = read
            self._reader.remember_cpu_stats(self._plan.paths, texts)
            every = self._workloads.values()
            for w, cpu_s, mem, killed in zip(every, seconds, mems, kills, strict=True):
                w.update(cpu_s, mem, killed, now)
        if walked:
            for path, w in self._workloads.items():
                w.mem_limit = self._reader.limits(path)[0]
        rows = [self._row(w) for w in self._chosen(now)]
        return {
            "hierarchy": self._hierarchy.kind,
            "total": len(self._workloads),
            "workloads": rows,
        }

    def _read_one_by_one(self, now: float) -> None:
        """The cheap files of each workload read on their own; a workload gone is dropped."""
        self._plan = None
        for path, w in list(self._workloads.items()):
            read = self._reader.cheap(path)
            if read is None:
                self._drop(path)
            else:
                w.update(*read, now)

    def workloads(self) -> list[dict[str, Any]]:
        """Every workload of the last tick (key, name, kind, CPU % of a core, memory charged),
        by CPU: the whole list behind the sample's top rows."""
        ordered = sorted(self._workloads.values(), key=lambda w: -(w.cpu_pct or 0.0))
        return [
            {"key": w.key, "name": w.name, "kind": w.found.kind, "cpu_pct": w.cpu_pct,
             "mem_usage": w.mem_usage}
            for w in ordered
        ]  # fmt: skip

    def _rediscover(self, now: float) -> None:
        self._discovered_at = now
        self._reader.renew_limits()
        walk_root = self._hierarchy.walk_root
        assert walk_root is not None
        found = {f.path: f for f in discover(walk_root, self._extra_roots)}
        for path, workload in list(self._workloads.items()):
            if path not in found or found[path].inode != workload.found.inode:
                self._drop(path)  # gone, or re-created at the same path
        taken = {w.key for w in self._workloads.values()}
        for path, item in found.items():
            if path not in self._workloads:
                self._workloads[path] = self._new_workload(item, taken)
                self._plan = None
        self._namer.forget({(w.found.kind, w.found.id) for w in self._workloads.values()})

    def _new_workload(self, item: Found, taken: set[str]) -> Workload:
        """A workload first seen now; a key seen before at another cgroup counts a restart."""
        name = self._namer.name(item.kind, item.id)
        key = f"{item.kind}/{name}"
        if key in taken:
            key = f"{item.kind}/{item.path}"  # two cgroups of one name: the path tells them apart
        taken.add(key)
        previous = self._last_seen.get(key)
        restarted = previous is not None and previous != (item.path, item.inode)
        if restarted:
            self._restarts[key] = self._restarts.get(key, 0) + 1
        self._last_seen[key] = (item.path, item.inode)
        return Workload(item, key, name, self._restarts.get(key, 0), restarted=restarted)

    def _drop(self, path: str) -> None:
        self._workloads.pop(path, None)
        self._plan = None
        self._discovered_at = float("-inf")  # something changed: walk again next tick
        self._reader.forget(path)
        self._reader.files.close_cgroup(path)
        for suffix in ("periods", "throttled", "throttled_s", "read", "write", *PSI):
            self._rates.forget(f"{path}|{suffix}")

    def _chosen(self, now: float) -> list[Workload]:
        """The top rows by CPU and by memory, those near their memory limit, and those held
        from earlier ticks, by CPU."""
        every = list(self._workloads.values())
        by_cpu = sorted(every, key=lambda w: (-(w.cpu_pct or 0.0), -w.mem_usage))[: self._top_n]
        by_mem = sorted(every, key=lambda w: -w.mem_usage)[: self._top_n]
        near_limit = [w for w in every if w.mem_limit and w.mem_usage >= NEAR_LIMIT * w.mem_limit]
        for workload in (*by_cpu, *by_mem, *near_limit):
            workload.in_top_at = now
        chosen = [w for w in every if now - w.in_top_at <= self._hold_s]
        return sorted(chosen, key=lambda w: (-(w.cpu_pct or 0.0), w.key))

    def _row(self, workload: Workload) -> dict[str, Any]:
        path = workload.found.path
        row = workload_row(workload, self._reader.full(path), self._rates, self._cores)
        workload.restarted = False  # said once, in this row
        return row


def workload_row(w: Workload, c: Counters, rates: RateTracker, cores: int) -> dict[str, Any]:
    """The sample's row of workload ``w`` from its full counters ``c``."""
    path = w.found.path

    def rate(suffix: str, value: float | None) -> float | None:
        return None if value is None else rates.rate(f"{path}|{suffix}", value)

    charged = w.mem_charged
    mem = None if charged is None else max(0, charged - (c.inactive_file or 0))
    throttled_pct = throttled_s = None
    if c.has_quota:  # the throttling counters are read only then
        periods, throttled = rate("periods", c.periods), rate("throttled", c.throttled_periods)
        if periods is not None and throttled is not None:
            throttled_pct = _share(throttled, periods)
        throttled_s = _rounded(rate("throttled_s", c.throttled_s), 4)
    row: dict[str, Any] = {
        "key": w.key, "name": w.name, "kind": w.found.kind,
        "id": w.found.id[:12] if w.found.kind in CONTAINER_KINDS else w.found.id,
        "path": "/" + path,
        "cpu_pct": w.cpu_pct,
        "cpu_host_pct": None if w.cpu_pct is None else round(w.cpu_pct / cores, 2),
        "throttled_pct": throttled_pct, "throttled_s_per_s": throttled_s,
        "mem": mem, "mem_limit": c.mem_limit,
        "mem_pct": round(100 * mem / c.mem_limit, 2) if mem is not None and c.mem_limit else None,
        "oom_kills": w.oom_kills, "oom_kills_now": w.oom_kills_now,
        "restarts": w.restarts, "restarted": int(w.restarted),
        "io_read_bps": _rounded(rate("read", c.io_read)),
        "io_write_bps": _rounded(rate("write", c.io_write)),
        "tasks": c.tasks,
        "psi_cpu_some_pct": None, "psi_memory_some_pct": None, "psi_io_some_pct": None,
    }  # fmt: skip
    for resource, stalled_us in c.psi_some_us.items():  # v2 only
        stalled = rate(f"psi_{resource}", stalled_us)
        row[f"psi_{resource}_some_pct"] = None if stalled is None else round(stalled / 1e4, 2)
    return row


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: float | None, whole: float | None) -> float:
    """``part`` as a percentage of ``whole``; 0 when no period passed."""
    return round(100 * (part or 0.0) / whole, 2) if whole else 0.0
