"""Finding the workload cgroups in a hierarchy and naming their kind from the path alone.

A workload is a container (Docker with the systemd or the cgroupfs driver, Podman, LXC), a
Kubernetes pod (the containers inside it are the pod's), a systemd service, scope, user slice
or top-level slice, or a root the user named. The walk stops at a workload except at slices,
so a service's own children are not listed apart, and it is bounded in depth and size.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_DEPTH = 8
MAX_DIRECTORIES = 5000
_HEX_ID = r"[0-9a-f]{64}"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("docker", re.compile(rf"^docker-(?P<id>{_HEX_ID})\.scope$")),
    ("podman", re.compile(rf"^libpod-(?P<id>{_HEX_ID})(?:\.scope)?$")),
    ("pod", re.compile(r"^kubepods(?:-[a-z]+)?-pod(?P<id>[0-9a-f_]{36})\.slice$")),
    ("pod", re.compile(r"^pod(?P<id>[0-9a-f-]{36})$")),
    ("lxc", re.compile(r"^lxc\.payload\.(?P<id>.+)$")),
    ("service", re.compile(r"^(?P<id>.+\.service)$")),
    ("user", re.compile(r"^(?P<id>user-\d+\.slice)$")),
    ("scope", re.compile(r"^(?P<id>.+\.scope)$")),
)
_SKIPPED = re.compile(r"^(?:libpod-conmon-.*|init\.scope|.*\.mount|.*\.socket)$")


@dataclass(frozen=True)
class Found:
    """One workload cgroup: its kind, its id as the path gives it, and its path relative to
    the hierarchy's root (no leading slash)."""

    kind: str
    id: str
    path: str
    inode: int = 0  # of the cgroup's directory: a new one at the same path is a new cgroup


def classify(parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(kind, id) of the cgroup at ``parts`` (path components below the root), or None when
    it is not a workload but may hold some (a slice, ``/docker``, ``/kubepods``)."""
    name, parent = parts[-1], parts[-2] if len(parts) > 1 else ""
    if _SKIPPED.match(name):
        return None
    if parent == "docker" and re.fullmatch(_HEX_ID, name):
        return "docker", name
    if parent == "lxc":
        return "lxc", name
    for kind, pattern in _PATTERNS:
        found = pattern.match(name)
        if found:
            return kind, found["id"].replace("_", "-") if kind == "pod" else found["id"]
    if len(parts) == 1 and name.endswith(".slice"):
        return "slice", name
    return None


def discover(walk_root: Path, extra_roots: Iterable[str] = ()) -> list[Found]:
    """Every workload under ``walk_root``, then each of ``extra_roots`` (paths relative to
    it) that exists, as kind "cgroup"; a directory that vanishes during the walk is skipped."""
    found: list[Found] = []
    stack: list[tuple[str, tuple[str, ...]]] = [(str(walk_root), ())]
    seen = 0
    while stack and seen < MAX_DIRECTORIES:
        directory, parts = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(
                    (e.name, e.inode()) for e in listing if e.is_dir(follow_symlinks=False)
                )
        except OSError:
            continue  # gone during the walk
        for name, inode in entries:
            seen += 1
            child = (*parts, name)
            kind = classify(child)
            if kind is not None:
                found.append(Found(kind[0], kind[1], "/".join(child), inode))
                if kind[0] not in ("slice", "user"):
                    continue
            if len(child) < MAX_DEPTH:
                stack.append((f"{directory}/{name}", child))
    for extra in extra_roots:
        relative = extra.strip("/")
        try:
            inode = os.stat(walk_root / relative).st_ino if relative else 0
        except OSError:
            continue
        found.append(Found("cgroup", relative.rsplit("/", 1)[-1], relative, inode))
    return found
