"""Which control-group hierarchies are mounted, read from /proc/self/mountinfo.

The layout is decided by what is mounted, never guessed: "v2" when only the unified
hierarchy is, "v1" when only per-controller hierarchies are, "hybrid" when both are. Where
both are, a controller is read from the unified tree only if that tree has it enabled
(its root's ``cgroup.controllers``), else from its v1 mount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

V1_CONTROLLERS = ("cpu", "cpuacct", "memory", "blkio", "pids")
# A unified controller -> the v1 controllers that account the same thing.
V1_EQUIVALENTS = {"cpu": ("cpuacct", "cpu"), "memory": ("memory",), "io": ("blkio",),
                  "pids": ("pids",)}  # fmt: skip


@dataclass(frozen=True)
class Hierarchy:
    """Mount points of the cgroup hierarchies this collector reads (paths under ``root``)."""

    kind: str  # "v2" | "v1" | "hybrid"
    unified: Path | None = None  # the cgroup2 mount
    unified_controllers: frozenset[str] = frozenset()
    v1: dict[str, Path] = field(default_factory=dict)  # controller -> its v1 mount

    def reads_v2(self, controller: str) -> bool:
        """Whether ``controller``'s files are read from the unified tree."""
        if self.unified is None:
            return False
        in_v1 = any(name in self.v1 for name in V1_EQUIVALENTS.get(controller, (controller,)))
        return controller in self.unified_controllers or not in_v1

    @property
    def walk_root(self) -> Path | None:
        """The tree whose directories are the workloads: the unified one when it accounts CPU
        or memory, else v1's memory (or cpuacct) hierarchy."""
        if self.unified is not None and self.unified_controllers & {"cpu", "memory"}:
            return self.unified
        return self.v1.get("memory") or self.v1.get("cpuacct") or self.v1.get("cpu")


def parse_mountinfo(text: str, root: Path = Path("/")) -> Hierarchy | None:
    """The hierarchies in ``text`` (mountinfo format), their mount points placed under
    ``root``; None when no cgroup hierarchy with CPU or memory accounting is mounted."""
    unified: Path | None = None
    v1: dict[str, Path] = {}
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        point = root / fields[4].replace("\\040", " ").lstrip("/")
        if tail[0] == "cgroup2":
            unified = unified or point
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                if option in V1_CONTROLLERS and option not in v1:
                    v1[option] = point
    controllers = _controllers(unified)
    if not (v1.keys() & {"cpu", "cpuacct", "memory"} or controllers & {"cpu", "memory"}):
        return None  # nothing mounted accounts CPU or memory
    kind = ("hybrid" if v1 else "v2") if unified is not None else "v1"
    return Hierarchy(kind, unified, controllers, v1)


def _controllers(unified: Path | None) -> frozenset[str]:
    if unified is None:
        return frozenset()
    try:
        return frozenset((unified / "cgroup.controllers").read_text().split())
    except OSError:
        return frozenset()


def read_hierarchy(root: Path = Path("/"), mountinfo: Path | None = None) -> Hierarchy | None:
    """The hierarchies mounted on this host (``mountinfo`` defaults to
    /proc/self/mountinfo, read under ``root``)."""
    path = mountinfo or root / "proc/self/mountinfo"
    try:
        return parse_mountinfo(path.read_text(), root)
    except OSError:
        return None
