"""The cheap part of a tick for every workload at once: three ``pread``s each, in C.

``TickPlan`` holds, for the workloads of the last walk of the tree, their three descriptors
(CPU counter, memory in use, OOM counter) in parallel lists, so a tick is ``map(os.pread, …)``
and ``map(int, …)`` over the lists instead of a Python call per file. A plan exists only while
every workload has its three files kept open and the files have the usual layout; anything
else (a file past the descriptor budget, a workload that vanished mid-read, a file that does
not parse) makes ``read`` answer None, and the collector reads that tick workload by workload.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

from collectors.cgroups.readers import CgroupReader

USAGE_KEY = b"usage_usec "  # the first line of a v2 cpu.stat
OOM_KEY = b"oom_kill"  # its value follows it in a split memory.events or memory.oom_control


@dataclass
class TickPlan:
    """The descriptors of ``paths``' cheap files, and how to parse them."""

    paths: list[str]
    cpu_fds: list[int]
    mem_fds: list[int]
    event_fds: list[int]
    v2_cpu: bool
    oom_at: int  # where the OOM count is in a split events file

    def read(self) -> tuple[list[float], list[int], list[int], list[bytes]] | None:
        """CPU seconds, memory charged, OOM kills and the CPU files' text of every workload,
        in ``paths`` order; None when any read or parse fails (then read them one by one)."""
        count, size, pread = len(self.paths), 4096, os.pread
        try:
            cpu = list(map(pread, self.cpu_fds, repeat(size, count), repeat(0, count)))
            mem = list(map(pread, self.mem_fds, repeat(size, count), repeat(0, count)))
            events = list(map(pread, self.event_fds, repeat(size, count), repeat(0, count)))
            if self.v2_cpu:
                at = len(USAGE_KEY)
                if not all(text.startswith(USAGE_KEY) for text in cpu):
                    return None
                seconds = [int(text[at : text.index(b"\n")]) / 1e6 for text in cpu]
            else:
                seconds = [value / 1e9 for value in map(int, cpu)]
            kills = [int(text.split()[self.oom_at]) for text in events]
        except (OSError, ValueError, IndexError):
            return None
        return seconds, list(map(int, mem)), kills, cpu


def make_plan(reader: CgroupReader, paths: Sequence[str]) -> TickPlan | None:
    """The plan for ``paths``, or None when one of their cheap files is not kept open or an
    events file has no OOM count."""
    cpu_fds, mem_fds, event_fds = [], [], []
    for path in paths:
        fds = reader.kept_fds(path)
        if fds is None or min(fds) < 0:
            return None
        cpu_fds.append(fds[0])
        mem_fds.append(fds[1])
        event_fds.append(fds[2])
    if not paths:
        return None
    try:
        fields = os.pread(event_fds[0], 4096, 0).split()
        oom_at = fields.index(OOM_KEY) + 1
    except (OSError, ValueError):
        return None
    v2 = reader.where(paths[0]).v2_cpu
    return TickPlan(list(paths), cpu_fds, mem_fds, event_fds, v2, oom_at)
