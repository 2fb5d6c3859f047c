"""Fake "pressure" and "cgroups" sections (shaped as in docs/sample-format.md) for live tests.

Values depend on the tick only. Four workloads: a Docker container with a memory limit and one
OOM kill, a systemd service, a Kubernetes pod and a slice without limits.
"""

from __future__ import annotations

from typing import Any

from app.config import Config
from tests.live.fakes import SECTIONS, FakeHost, SectionCollector

MIB = 2**20

# key, name, kind, id, mem MiB, limit MiB (None: unlimited), oom kills, restarts, tasks
WORKLOADS = [
    ("docker/web", "web", "docker", "3f2a9c1e0b7d", 118, 512, 1, 1, 12),
    ("service/postgresql.service", "postgresql.service", "service", "postgresql.service",
     900, None, 0, 0, 9),
    ("pod/api-7d9f", "api-7d9f", "pod", "api-7d9f", 300, 1024, 0, 0, 31),
    ("slice/user.slice", "user.slice", "slice", "user.slice", 2048, None, 0, 0, 140),
]  # fmt: skip


def pressure_section(tick: int) -> dict[str, Any]:
    """CPU, memory and I/O pressure that moves with ``tick`` (cpu has no "full" line)."""
    section: dict[str, Any] = {}
    for i, resource in enumerate(("cpu", "memory", "io")):
        some = float((tick * (i + 2)) % 20) + i
        full = None if resource == "cpu" else some / 2
        section[resource] = {
            "some_avg10": round(some * 0.8, 2),
            "some_avg60": round(some * 0.5, 2),
            "some_avg300": round(some * 0.3, 2),
            "some_pct": some,
            **{f"full_{k}": full for k in ("avg10", "avg60", "avg300", "pct")},
        }
    return section


def workload(tick: int, i: int) -> dict[str, Any]:
    """One workload's row at ``tick``."""
    key, name, kind, short_id, mem, limit, ooms, restarts, tasks = WORKLOADS[i]
    cpu = float((i * 23 + tick * 5) % 90) + 10 * (3 - i)
    used = mem * MIB
    quota = limit is not None
    return {
        "key": key, "name": name, "kind": kind, "id": short_id,
        "path": f"/system.slice/{short_id}", "cpu_pct": cpu, "cpu_host_pct": round(cpu / 8, 2),
        "throttled_pct": 12.0 if quota else None,
        "throttled_s_per_s": 0.05 if quota else None,
        "mem": used, "mem_limit": limit * MIB if quota else None,
        "mem_pct": round(100 * mem / limit, 1) if quota else None,
        "oom_kills": ooms, "oom_kills_now": 0, "restarts": restarts, "restarted": 0,
        "io_read_bps": float(1000 * (i + 1) * (tick % 7)), "io_write_bps": 2.5 * MIB * i,
        "tasks": tasks, "psi_cpu_some_pct": 1.0 * i, "psi_memory_some_pct": 0.0,
        "psi_io_some_pct": None if i == 3 else 0.5,
    }  # fmt: skip


def cgroups_section(tick: int) -> dict[str, Any]:
    """The four workloads, sorted by CPU descending, as the collector sorts them."""
    rows = sorted((workload(tick, i) for i in range(len(WORKLOADS))), key=lambda w: -w["cpu_pct"])
    return {"hierarchy": "v2", "total": 37, "workloads": rows}


class WorkloadHost(FakeHost):
    """A fake host whose samples also carry "pressure" and "cgroups"."""

    def _build(self, tick: int) -> dict[str, Any]:
        sample = super()._build(tick)
        sample["pressure"] = pressure_section(tick)
        sample["cgroups"] = cgroups_section(tick)
        return sample


def workload_collectors(_config: Config, cores: int = 8) -> list[SectionCollector]:
    """``fake_collectors`` plus the pressure and cgroups sections."""
    host = WorkloadHost(cores)
    return [SectionCollector(name, host) for name in (*SECTIONS, "pressure", "cgroups")]
