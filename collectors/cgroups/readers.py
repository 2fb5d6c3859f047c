"""A workload's counters from its accounting files, on the unified (v2) or the v1 hierarchies.

The paths of a workload's files are worked out once (``WorkloadFiles``), so a tick only reads.
``cheap`` reads what every workload gives each tick (CPU time, memory in use, OOM kills):
three files kept open. ``full`` reads what the sample shows for its rows (limits, throttling,
page cache, I/O, tasks, PSI). A workload whose CPU counter cannot be read and whose folder
is gone is gone (None); any other file that cannot be read or parsed leaves its fields None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from collectors.cgroups import files as parse
from collectors.cgroups.files import READ_SIZE, OpenFiles
from collectors.cgroups.hierarchy import Hierarchy

V1_UNLIMITED = 1 << 62  # memory.limit_in_bytes reads about 2^63 when there is no limit
PSI_RESOURCES = ("cpu", "memory", "io")
V1_IO_FILES = ("blkio.throttle.io_service_bytes_recursive", "blkio.io_service_bytes_recursive")


@dataclass
class Counters:
    """What one full read of a workload gives; None where the kernel does not say."""

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


@dataclass(slots=True)
class WorkloadFiles:
    """The files of one workload, as absolute paths; None where no hierarchy mounted offers
    the controller."""

    folder: str | None  # the workload's folder in the tree it was found in
    v2_cpu: bool
    cpu: str | None  # v2 cpu.stat (usage and throttling) or v1 cpuacct.usage
    mem: str | None  # memory.current or memory.usage_in_bytes
    events: str | None  # memory.events or memory.oom_control
    stat: str | None  # memory.stat
    inactive_key: bytes  # memory.stat's reclaimable page cache line
    limit: str | None  # memory.max or memory.limit_in_bytes
    quota: str | None  # cpu.max or cpu.cfs_quota_us
    throttling: str | None  # v1 cpu.stat (v2 has it in ``cpu``)
    v2_io: bool
    io: tuple[str, ...]  # io.stat, or the v1 blkio files to try in turn
    tasks: str | None  # pids.current
    psi: tuple[tuple[str, str], ...]  # (resource, its .pressure file)
    fds: tuple[int, int, int] | None = None  # cpu, mem, events kept open (-1: not kept)
    limits: tuple[int | None, bool] = (None, False)  # memory limit, has a CPU quota
    limits_round: int = -1  # the reader's round ``limits`` were read in
    io_first: int = 0  # the index in ``io`` of the file that answered last


def workload_files(hierarchy: Hierarchy, rel: str) -> WorkloadFiles:
    """Where the accounting files of the workload at ``rel`` are."""

    def folder(controller: str) -> str | None:
        if hierarchy.reads_v2(controller):
            return f"{hierarchy.unified}/{rel}"
        mount = hierarchy.v1.get(controller)
        return f"{mount}/{rel}" if mount is not None else None

    def file(controller: str, v2_name: str, v1_name: str) -> str | None:
        base = folder(controller)
        if base is None:
            return None
        return f"{base}/{v2_name if hierarchy.reads_v2(controller) else v1_name}"

    v2_cpu, v2_mem, v2_io = (hierarchy.reads_v2(c) for c in ("cpu", "memory", "io"))
    cpu_base, io_base = folder("cpu"), folder("io" if v2_io else "blkio")
    accounting = hierarchy.v1.get("cpuacct")
    if v2_cpu:
        cpu = f"{cpu_base}/cpu.stat"
    else:
        cpu = None if accounting is None else f"{accounting}/{rel}/cpuacct.usage"
    if io_base is None:
        io: tuple[str, ...] = ()
    else:
        io = (f"{io_base}/io.stat",) if v2_io else tuple(f"{io_base}/{n}" for n in V1_IO_FILES)
    has_psi = v2_cpu and hierarchy.unified is not None
    root = hierarchy.walk_root
    return WorkloadFiles(
        folder=None if root is None else f"{root}/{rel}",
        v2_cpu=v2_cpu,
        cpu=cpu,
        mem=file("memory", "memory.current", "memory.usage_in_bytes"),
        events=file("memory", "memory.events", "memory.oom_control"),
        stat=file("memory", "memory.stat", "memory.stat"),
        inactive_key=b"inactive_file " if v2_mem else b"total_inactive_file ",
        limit=file("memory", "memory.max", "memory.limit_in_bytes"),
        quota=file("cpu", "cpu.max", "cpu.cfs_quota_us"),
        throttling=None if v2_cpu or cpu_base is None else f"{cpu_base}/cpu.stat",
        v2_io=v2_io,
        io=io,
        tasks=file("pids", "pids.current", "pids.current"),
        psi=tuple((r, f"{cpu_base}/{r}.pressure") for r in PSI_RESOURCES) if has_psi else (),
    )


class CgroupReader:
    """Reads workloads by their path relative to the hierarchy root."""

    def __init__(self, hierarchy: Hierarchy, files: OpenFiles | None = None) -> None:
        self.hierarchy = hierarchy
        self.files = files or OpenFiles()
        self._where: dict[str, WorkloadFiles] = {}  # rel -> its files
        self._cpu_stat: dict[str, bytes] = {}  # rel -> this tick's v2 cpu.stat
        self._limits_round = 0

    def renew_limits(self) -> None:
        """Limits (memory limit, CPU quota) are read again at each workload's next full read;
        until then the last ones read stand (they change seldom)."""
        self._limits_round += 1

    def where(self, rel: str) -> WorkloadFiles:
        """The files of the workload at ``rel`` (worked out on first use)."""
        found = self._where.get(rel)
        if found is None:
            found = self._where[rel] = workload_files(self.hierarchy, rel)
        return found

    def cheap_paths(self) -> list[str]:
        """The files ``cheap`` reads, of every workload read so far."""
        return [p for w in self._where.values() for p in (w.cpu, w.mem, w.events) if p]

    def remember_cpu_stats(self, rels: list[str], texts: list[bytes]) -> None:
        """This tick's v2 ``cpu.stat`` texts of ``rels``, read elsewhere (``tick``), for the
        throttling counters of the rows."""
        if self.hierarchy.reads_v2("cpu"):
            self._cpu_stat.update(zip(rels, texts, strict=True))

    def forget(self, rel: str) -> None:
        """Drops what is kept of the workload at ``rel`` (it is gone)."""
        self._where.pop(rel, None)
        self._cpu_stat.pop(rel, None)

    def _bytes(self, path: str | None) -> bytes | None:
        if path is None:
            return None
        try:
            return self.files.read_bytes(path)
        except OSError:
            return None

    def _pread(self, fd: int, path: str | None) -> bytes | None:
        if fd < 0:
            return self._bytes(path)
        try:
            return os.pread(fd, READ_SIZE, 0)
        except OSError:
            return None

    def kept_fds(self, rel: str) -> tuple[int, int, int] | None:
        """The descriptors of the three files ``cheap`` reads (-1: not kept open)."""
        where = self.where(rel)
        if where.fds is None:
            keep = self.files.keep
            where.fds = (keep(where.cpu), keep(where.mem), keep(where.events))
        return where.fds

    def cheap(self, rel: str) -> tuple[float | None, int | None, int | None] | None:
        """CPU seconds used, memory bytes charged and OOM kills of the workload at ``rel``
        (three files, kept open); None when it is gone."""
        where = self.where(rel)
        fds = self.kept_fds(rel) or (-1, -1, -1)
        text = self._pread(fds[0], where.cpu)
        if text is None:
            cpu_s = None
        elif where.v2_cpu:
            self._cpu_stat[rel] = text
            usage = parse.field(text, b"usage_usec ")
            cpu_s = None if usage is None else usage / 1e6
        else:
            usage = parse.number(text)
            cpu_s = None if usage is None else usage / 1e9
        if cpu_s is None and not (where.folder and os.path.isdir(where.folder)):
            return None
        mem = self._pread(fds[1], where.mem)
        events = self._pread(fds[2], where.events)
        return (
            cpu_s,
            None if mem is None else parse.number(mem),
            None if events is None else parse.field(events, b"oom_kill "),
        )

    def full(self, rel: str) -> Counters:
        """Every counter of the sample's row (after this tick's ``cheap`` read); throttling
        only where a CPU quota is set."""
        where = self.where(rel)
        mem_limit, has_quota = self.limits(rel)
        out = Counters(mem_limit=mem_limit, has_quota=has_quota)
        stat = self._bytes(where.stat)
        if stat is not None:
            out.inactive_file = parse.field(stat, where.inactive_key)
        if out.has_quota and where.v2_cpu:
            self._throttling(out, self._cpu_stat.get(rel), b"throttled_usec ", 1e6)
        elif out.has_quota:
            self._throttling(out, self._bytes(where.throttling), b"throttled_time ", 1e9)
        self._io(out, where)
        tasks = self._bytes(where.tasks)
        out.tasks = None if tasks is None else parse.number(tasks)
        for resource, path in where.psi:
            text = self._bytes(path)
            totals = {} if text is None else parse.pressure_totals(text.decode("ascii", "replace"))
            if "some" in totals:
                out.psi_some_us[resource] = totals["some"]
        return out

    def limits(self, rel: str) -> tuple[int | None, bool]:
        """The memory limit (None: none) and whether a CPU quota is set, as read this round."""
        where = self.where(rel)
        if where.limits_round != self._limits_round:
            where.limits, where.limits_round = self._read_limits(where), self._limits_round
        return where.limits

    def _read_limits(self, where: WorkloadFiles) -> tuple[int | None, bool]:
        limit = self._bytes(where.limit)
        value = None if limit is None else parse.number(limit)
        quota = self._bytes(where.quota)
        if where.v2_cpu:
            has_quota = quota is not None and not quota.startswith(b"max")
        else:
            has_quota = quota is not None and (parse.number(quota) or -1) > 0
        return (value if value is not None and value < V1_UNLIMITED else None), has_quota

    def _io(self, out: Counters, where: WorkloadFiles) -> None:
        """Bytes read and written, from the first of the workload's I/O files that answers
        (the one that answered last is tried first)."""
        count = len(where.io)
        for step in range(count):
            index = (where.io_first + step) % count
            text = self._bytes(where.io[index])
            if text is not None:
                where.io_first = index
                reader = parse.io_v2 if where.v2_io else parse.io_v1
                out.io_read, out.io_write = reader(text.decode("ascii", "replace"))
                return

    @staticmethod
    def _throttling(out: Counters, text: bytes | None, time_key: bytes, scale: float) -> None:
        if text is None:
            return
        out.periods = parse.field(text, b"nr_periods ")
        out.throttled_periods = parse.field(text, b"nr_throttled ")
        spent = parse.field(text, time_key)
        out.throttled_s = None if spent is None else spent / scale
