"""The cgroup case of bench/sampler.py: the collector's cost with N real cgroups.

As root, makes N empty cgroups on this machine's real kernel (in the unified tree when it
accounts CPU and memory, else in each v1 controller the collector reads), named as the user's
extra roots, and measures the collector's ``collect()`` against the *floor*: a bare loop that
``pread``s, from files kept open, exactly the files one of the collector's ticks read (the
cheap ones of every cgroup, the full set of the sample's top rows), and nothing else. Both run
in alternating rounds in one process. The cgroups are removed at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import alternating_cpu_ms, table
from collectors.cgroups import CgroupsCollector
from collectors.cgroups.files import OpenFiles
from collectors.cgroups.hierarchy import read_hierarchy


@contextmanager
def real_cgroups(count: int) -> Iterator[list[str]]:
    """``count`` fresh cgroups (their paths relative to the root), removed afterwards."""
    if os.geteuid() != 0:
        raise SystemExit("the cgroup case makes real cgroups: run it as root")
    hierarchy = read_hierarchy()
    if hierarchy is None:
        raise SystemExit("no cgroup hierarchy with CPU or memory accounting is mounted")
    if hierarchy.unified is not None and {"cpu", "memory"} <= hierarchy.unified_controllers:
        mounts = [hierarchy.unified]
    else:
        mounts = list(dict.fromkeys(hierarchy.v1.values()))
    names = [f"monitor-bench-{os.getpid()}-{i}" for i in range(count)]
    made: list[Path] = []
    try:
        for name in names:
            for mount in mounts:
                (mount / name).mkdir()
                made.append(mount / name)
        yield names
    finally:
        for folder in made:
            folder.rmdir()


class RecordingFiles(OpenFiles):
    """Open files that remember which paths one tick read."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def read_bytes(self, path: str) -> bytes:
        self.paths.append(path)
        return super().read_bytes(path)


def floor_reads(paths: list[str]) -> object:
    """A step that ``pread``s each of ``paths`` from a descriptor kept open."""
    fds = [os.open(p, os.O_RDONLY | os.O_CLOEXEC) for p in paths]

    def step() -> None:
        for fd in fds:
            os.pread(fd, 8192, 0)

    return step


def cgroup_cost(count: int, ticks: int) -> dict[str, float]:
    """CPU ms per tick of the collector and of its floor, with ``count`` cgroups."""
    with real_cgroups(count) as names:
        collector = CgroupsCollector(extra_roots=tuple(names))
        recorder = RecordingFiles()
        collector._reader.files = recorder  # record one tick's reads
        collector.collect()
        recorder.paths.clear()
        section = collector.collect()
        paths = collector._reader.cheap_paths() + recorder.paths
        collector._reader.files = OpenFiles()
        cost = alternating_cpu_ms(
            {"collector": collector.collect, "floor": floor_reads(paths)}, ticks
        )  # type: ignore[dict-item]
        return cost | {
            "files": len(paths),
            "rows": len(section["workloads"]),
            "total": section["total"],
        }


def cgroup_table(counts: list[int], ticks: int) -> str:
    """The cgroup case's markdown table: collector and floor CPU per tick for each count."""
    rows = []
    for count in counts:
        cost = cgroup_cost(count, ticks)
        rows.append([
            count, f"{cost['rows']:.0f}", f"{cost['files']:.0f}", f"{cost['floor']:.2f}",
            f"{cost['collector']:.2f}", f"{cost['collector'] / cost['floor']:.2f}x",
        ])  # fmt: skip
    headers = ["cgroups", "sample rows", "files read a tick", "floor CPU ms/tick",
               "collector CPU ms/tick", "ratio"]  # fmt: skip
    return table(headers, rows)
