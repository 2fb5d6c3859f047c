"""The cgroups collector on this machine's real kernel: a cgroup of its own, made as root on
whichever hierarchy is mounted, with a CPU-busy process and one holding 64 MiB in it.

It fails, never skips, where the cgroup cannot be made (not root, no cgroup file system).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.cgroups import CgroupsCollector
from collectors.cgroups.hierarchy import Hierarchy, read_hierarchy
from tests.support.polling import wait_for

HELD = 64 << 20
BUSY = "while True: pass"
# Waits to be moved into the cgroup (a line on stdin), then touches every page of 64 MiB, so
# the memory is charged to the cgroup, says so and holds it until stdin closes.
HOLD = (
    f"import sys; sys.stdin.readline(); b = bytearray({HELD}); "
    "[b.__setitem__(i, 1) for i in range(0, len(b), 4096)]; print('held', flush=True); "
    "sys.stdin.read()"
)


def cgroup_dirs(hierarchy: Hierarchy, name: str) -> list[Path]:
    """Where a cgroup named ``name`` is made: in the unified tree when it accounts CPU and
    memory, else in each v1 controller the collector reads."""
    if hierarchy.unified is not None and {"cpu", "memory"} <= hierarchy.unified_controllers:
        control = hierarchy.unified / "cgroup.subtree_control"
        control.write_text("+cpu +memory +io +pids")
        return [hierarchy.unified / name]
    return [mount / name for mount in dict.fromkeys(hierarchy.v1.values())]


@pytest.fixture
def own_cgroup() -> Iterator[tuple[str, list[Path]]]:
    assert os.geteuid() == 0, "the real-cgroup test runs as root (CI does): it makes a cgroup"
    hierarchy = read_hierarchy()
    assert hierarchy is not None, "no cgroup hierarchy with CPU or memory accounting is mounted"
    name = f"monitor-test-{os.getpid()}"
    dirs = cgroup_dirs(hierarchy, name)
    for folder in dirs:
        folder.mkdir()
    try:
        yield name, dirs
    finally:
        for folder in dirs:
            wait_for(lambda f=folder: _removed(f), timeout=10, message=f"rmdir {folder}")


def _removed(folder: Path) -> bool:
    try:
        folder.rmdir()
    except FileNotFoundError:
        return True
    except OSError:  # EBUSY while the killed children are still leaving
        return False
    return True


def test_sees_the_cpu_share_and_the_memory_of_its_own_cgroup(
    own_cgroup: tuple[str, list[Path]],
) -> None:
    name, dirs = own_cgroup
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        for child in (busy, holder):
            for folder in dirs:
                (folder / "cgroup.procs").write_text(str(child.pid))
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "held"
        collector = CgroupsCollector(extra_roots=(name,))
        key = f"cgroup/{name}"

        def row() -> dict | None:
            found = {r["key"]: r for r in collector.collect()["workloads"]}.get(key)
            return found if found and (found["cpu_pct"] or 0) >= 40 else None

        seen = wait_for(row, timeout=20, interval=0.5, message="the busy loop's CPU share")
        assert seen["cpu_pct"] <= 110  # one busy thread: about one core, never more
        assert HELD * 0.75 <= seen["mem"] <= HELD * 1.25 + (16 << 20), seen["mem"]
        assert seen["tasks"] in (None, 2)
    finally:
        busy.kill()
        holder.kill()
        busy.wait()
        holder.communicate()  # closes its pipes
    collector.collect()
    for folder in dirs:
        wait_for(lambda f=folder: _removed(f), timeout=10, message=f"rmdir {folder}")
    # Its files were kept open: a cgroup removed under them is left out, without an error.
    assert key not in {r["key"] for r in collector.collect()["workloads"]}
