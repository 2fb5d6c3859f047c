"""Small synthetic samples for alert tests: only the sections a rule reads."""

from __future__ import annotations

from typing import Any

T0 = 1_764_000_000.0


def sample(
    ts: float,
    *,
    host: str = "h1",
    cpu: float = 10.0,
    disks: dict[str, float] | None = None,
    ifaces: dict[str, float] | None = None,
    load5: float = 0.1,
    cores: int = 4,
) -> dict[str, Any]:
    """A sample at ``ts`` with these values (disks: mount -> percent; ifaces: name -> rx_bps)."""
    return {
        "v": 1, "host": host, "ts": ts, "seq": int(ts - T0),
        "system": {"hostname": host, "cores_logical": cores},
        "cpu": {"total": cpu, "per_core": [cpu] * cores},
        "memory": {"percent": 40.0, "swap_percent": 0.0},
        "load": {"load1": load5, "load5": load5, "load15": load5},
        "disks": {"usage": [{"mount": m, "percent": p} for m, p in (disks or {"/": 50.0}).items()]},
        "network": {"interfaces": [{"iface": i, "rx_bps": v}
                                   for i, v in (ifaces or {"eth0": 1.0}).items()]},
        "processes": {"total": 3, "top_cpu": [
            {"pid": 4242, "name": "burner", "user": "alice", "cpu": 97.5, "mem": 1.5,
             "cmdline": "burner --all-cores"},
            {"pid": 1, "name": "init", "user": "root", "cpu": 0.1, "mem": 0.1, "cmdline": "init"},
        ]},
    }  # fmt: skip
