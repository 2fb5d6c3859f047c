"""The section shapes of docs/sample-format.md, as key sets, and a checker for them."""

from __future__ import annotations

import json
from typing import Any

RATES = {"read_bps", "write_bps", "read_iops", "write_iops"}
NET_RATES = {"rx_bps", "tx_bps", "rx_pps", "tx_pps", "errors_per_s", "drops_per_s"}
PROCESS_ROW = {"pid", "name", "user", "cpu", "rss", "mem", "threads", "status", "cmdline"}

SECTION_KEYS: dict[str, set[str]] = {
    "cpu": {"total", "per_core", "user", "system", "iowait", "steal", "freq_mhz",
            "ctx_switches_per_s", "interrupts_per_s"},
    "memory": {"total", "used", "available", "percent", "cached", "buffers", "swap_total",
               "swap_used", "swap_percent", "swap_in_per_s", "swap_out_per_s"},
    "load": {"load1", "load5", "load15", "run_queue"},
    "system": {"hostname", "os", "boot_time", "uptime_s", "cores_logical", "cores_physical"},
    "disks": {"usage", "io", "total"},
    "network": {"interfaces", "total"},
    "sensors": {"temperatures", "fans", "battery"},
    "processes": {"total", "counts", "top_cpu", "top_mem"},
    "pressure": {"cpu", "memory", "io"},
    "cgroups": {"hierarchy", "total", "workloads"},
}  # fmt: skip
PSI_KEYS = {f"{kind}_{m}" for kind in ("some", "full") for m in ("avg10", "avg60", "avg300", "pct")}
WORKLOAD_ROW = {"key", "name", "kind", "id", "path", "cpu_pct", "cpu_host_pct", "throttled_pct",
                "throttled_s_per_s", "mem", "mem_limit", "mem_pct", "oom_kills", "oom_kills_now",
                "restarts", "restarted", "io_read_bps", "io_write_bps", "tasks", "psi_cpu_some_pct",
                "psi_memory_some_pct", "psi_io_some_pct"}  # fmt: skip
ROW_KEYS: dict[tuple[str, str], set[str]] = {
    ("disks", "usage"): {"mount", "device", "fstype", "total", "used", "free", "percent"},
    ("disks", "io"): {"disk", "busy_pct"} | RATES,
    ("network", "interfaces"): {"iface"} | NET_RATES,
    ("sensors", "temperatures"): {"label", "current", "high", "critical"},
    ("sensors", "fans"): {"label", "rpm"},
    ("processes", "top_cpu"): PROCESS_ROW,
    ("processes", "top_mem"): PROCESS_ROW,
    ("cgroups", "workloads"): WORKLOAD_ROW,
}
NESTED_KEYS: dict[tuple[str, str], set[str]] = {
    ("disks", "total"): RATES,
    ("network", "total"): NET_RATES,
    ("sensors", "battery"): {"percent", "plugged", "secs_left"},
    ("pressure", "cpu"): PSI_KEYS,
    ("pressure", "memory"): PSI_KEYS,
    ("pressure", "io"): PSI_KEYS,
}
GPU_ROW = {"index", "name", "util_pct", "mem_used", "mem_total", "temp_c", "power_w"}


def assert_section_shape(name: str, value: Any) -> None:
    """Fails unless ``value`` has exactly the documented keys of section ``name``."""
    json.dumps(value, allow_nan=False)  # JSON-able, no NaN/inf
    if name == "gpus":
        assert isinstance(value, list)
        for row in value:
            assert set(row) == GPU_ROW
        return
    assert set(value) == SECTION_KEYS[name], name
    for (section, key), row_keys in ROW_KEYS.items():
        if section == name:
            for row in value[key]:
                assert set(row) == row_keys, (name, key)
    for (section, key), keys in NESTED_KEYS.items():
        if section == name and value[key] is not None:
            assert set(value[key]) == keys, (name, key)


def emitted_paths(value: Any, prefix: str = "", leaves: frozenset[str] = frozenset()) -> set[str]:
    """Dotted key paths of every leaf (list rows share their list's path; ``leaves`` stop)."""
    if isinstance(value, dict) and prefix not in leaves:
        paths: set[str] = set()
        for key, child in value.items():
            paths |= emitted_paths(child, f"{prefix}.{key}" if prefix else key, leaves)
        return paths
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return set().union(*(emitted_paths(row, prefix, leaves) for row in value))
    return {prefix}
