"""The metric catalogue for people: a label, a unit and a group for every stored series name.

Series names are what ``storage.series.flatten`` makes of a sample (docs/sample-format.md,
"Flattened series"): a dotted path with the entity in brackets, ``disks.io[vda].read_bps``.
The unit and description of each metric come from the collectors' ``METRICS`` tables (and,
for the sampler's own ``health`` section, from ``HEALTH_METRICS`` here); the labels below
name them: ``disks.io[vda].read_bps`` -> "Disk vda · read", bytes/s, group "Disks".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from collectors import all_metric_units
from collectors.base import MetricTable
from collectors.units import symbol

# The health section is the sampler's (app/runtime/sampler.py), not a collector's.
HEALTH_METRICS: MetricTable = {
    "collect_ms": ("ms", "time each collector took this tick"),
    "collect_total_ms": ("ms", "time all collectors took this tick"),
    "interval_s": ("s", "the sampler's interval"),
    "lag_ms": ("ms", "how late the tick started after its slot"),
    "skipped_ticks": ("ticks", "ticks skipped since start because a tick overran"),
    "clock_steps": ("steps", "wall-clock steps the sampler re-anchored to since start"),
    "cpu_time_s": ("s", "CPU time of the sampler thread since start"),
    "buffer_depth": ("samples", "samples waiting for the database"),
    "write_errors": ("errors", "failed database writes since start"),
    "stored_samples": ("samples", "samples written since start"),
    "duplicate_samples": ("samples", "samples already stored as they were (a retried batch)"),
    "sample_collisions": ("samples", "samples whose time was taken by another stored sample"),
    "dropped_samples": ("samples", "samples dropped because the buffer was full"),
    "storage_ok": ("bool", "database writes succeed"),
    "subscribers": ("clients", "live clients of the sampling process"),
    "dropped_live": ("messages", "live messages dropped for slow clients since start"),
    "alerts_rev": ("changes", "the alerts' revision the sampling process knows"),
}

# Section -> the group it is listed under, in the order the picker lists them.
GROUPS: dict[str, str] = {
    "cpu": "CPU",
    "memory": "Memory",
    "load": "Load",
    "disks": "Disks",
    "network": "Network",
    "sensors": "Sensors",
    "gpus": "GPUs",
    "processes": "Processes",
    "pressure": "Pressure",
    "cgroups": "Containers and services",
    "health": "Monitor health",
}
OTHER = "Other"

# "section.metric" (as in METRICS, entity left out) -> label; {e} is the entity in brackets.
LABELS: dict[str, str] = {
    "cpu.total": "CPU · total", "cpu.per_core": "CPU core {e}", "cpu.user": "CPU · user",
    "cpu.system": "CPU · system", "cpu.iowait": "CPU · I/O wait", "cpu.steal": "CPU · steal",
    "cpu.freq_mhz": "CPU · frequency", "cpu.ctx_switches_per_s": "CPU · context switches",
    "cpu.interrupts_per_s": "CPU · interrupts",
    "memory.percent": "Memory · in use", "memory.total": "Memory · total",
    "memory.used": "Memory · used", "memory.available": "Memory · available",
    "memory.cached": "Memory · cached", "memory.buffers": "Memory · buffers",
    "memory.swap_percent": "Swap · in use", "memory.swap_total": "Swap · total",
    "memory.swap_used": "Swap · used", "memory.swap_in_per_s": "Swap · in",
    "memory.swap_out_per_s": "Swap · out",
    "load.load1": "Load · 1 min", "load.load5": "Load · 5 min", "load.load15": "Load · 15 min",
    "load.run_queue": "Load · run queue",
    "disks.usage.total": "Filesystem {e} · size", "disks.usage.used": "Filesystem {e} · used",
    "disks.usage.free": "Filesystem {e} · free", "disks.usage.percent": "Filesystem {e} · in use",
    "disks.io.read_bps": "Disk {e} · read", "disks.io.write_bps": "Disk {e} · write",
    "disks.io.read_iops": "Disk {e} · reads", "disks.io.write_iops": "Disk {e} · writes",
    "disks.io.busy_pct": "Disk {e} · busy",
    "disks.total.read_bps": "Disks · read", "disks.total.write_bps": "Disks · write",
    "disks.total.read_iops": "Disks · reads", "disks.total.write_iops": "Disks · writes",
    "network.interfaces.rx_bps": "Network {e} · received",
    "network.interfaces.tx_bps": "Network {e} · sent",
    "network.interfaces.rx_pps": "Network {e} · packets received",
    "network.interfaces.tx_pps": "Network {e} · packets sent",
    "network.interfaces.errors_per_s": "Network {e} · errors",
    "network.interfaces.drops_per_s": "Network {e} · drops",
    "network.total.rx_bps": "Network · received", "network.total.tx_bps": "Network · sent",
    "network.total.rx_pps": "Network · packets received",
    "network.total.tx_pps": "Network · packets sent",
    "network.total.errors_per_s": "Network · errors",
    "network.total.drops_per_s": "Network · drops",
    "sensors.temperatures.current": "Temperature {e}",
    "sensors.temperatures.high": "Temperature {e} · high",
    "sensors.temperatures.critical": "Temperature {e} · critical",
    "sensors.fans.rpm": "Fan {e}", "sensors.battery.percent": "Battery · charge",
    "sensors.battery.plugged": "Battery · plugged in",
    "sensors.battery.secs_left": "Battery · time left",
    "gpus.util_pct": "GPU {e} · busy", "gpus.mem_used": "GPU {e} · memory used",
    "gpus.mem_total": "GPU {e} · memory", "gpus.temp_c": "GPU {e} · temperature",
    "gpus.power_w": "GPU {e} · power",
    "processes.total": "Processes · total", "processes.counts": "Processes · {e}",
    **{f"pressure.{r}.{k}_{m}": f"Pressure {n} · {k} {t}"
       for r, n in (("cpu", "CPU"), ("memory", "memory"), ("io", "I/O"))
       for k in ("some", "full")
       for m, t in (("pct", "now"), ("avg10", "10 s"), ("avg60", "1 min"), ("avg300", "5 min"))},
    "cgroups.total": "Containers and services · count",
    "cgroups.workloads.cpu_pct": "{e} · CPU", "cgroups.workloads.cpu_host_pct": "{e} · CPU of host",
    "cgroups.workloads.throttled_pct": "{e} · throttled",
    "cgroups.workloads.throttled_s_per_s": "{e} · throttled time",
    "cgroups.workloads.mem": "{e} · memory", "cgroups.workloads.mem_limit": "{e} · memory limit",
    "cgroups.workloads.mem_pct": "{e} · memory of limit",
    "cgroups.workloads.oom_kills": "{e} · OOM kills",
    "cgroups.workloads.oom_kills_now": "{e} · new OOM kills",
    "cgroups.workloads.restarts": "{e} · restarts",
    "cgroups.workloads.restarted": "{e} · restarted",
    "cgroups.workloads.io_read_bps": "{e} · read", "cgroups.workloads.io_write_bps": "{e} · write",
    "cgroups.workloads.tasks": "{e} · tasks",
    "cgroups.workloads.psi_cpu_some_pct": "{e} · waiting for CPU",
    "cgroups.workloads.psi_memory_some_pct": "{e} · waiting for memory",
    "cgroups.workloads.psi_io_some_pct": "{e} · waiting for I/O",
    "health.collect_ms": "Collect time · {e}", "health.collect_total_ms": "Collect time · total",
    "health.interval_s": "Sampling interval", "health.lag_ms": "Sampler lag",
    "health.skipped_ticks": "Skipped ticks", "health.cpu_time_s": "Sampler CPU time",
    "health.clock_steps": "Clock steps", "health.duplicate_samples": "Duplicate samples",
    "health.sample_collisions": "Sample time collisions",
    "health.buffer_depth": "Storage buffer", "health.write_errors": "Write errors",
    "health.stored_samples": "Stored samples", "health.dropped_samples": "Dropped samples",
    "health.storage_ok": "Storage OK", "health.subscribers": "Live clients",
    "health.dropped_live": "Dropped live messages", "health.alerts_rev": "Alerts revision",
}  # fmt: skip

# head[entity].field, head[entity] or a plain dotted path; an entity may hold dots and spaces.
_ENTITY = re.compile(r"^(?P<head>[A-Za-z_][\w.]*?)\[(?P<entity>.*)\](?:\.(?P<field>\w+))?$")


@dataclass(frozen=True)
class SeriesInfo:
    """What a person reads about one series."""

    name: str
    label: str
    unit: str  # as the collectors declare it: "%", "bytes/s", "1/s", "°C", ...
    group: str
    description: str

    @property
    def symbol(self) -> str:
        """The unit as written after a number ("B/s", "%"); "" for none."""
        return symbol(self.unit)

    @property
    def search(self) -> str:
        """What a search of the picker matches: group, label, unit and the series name."""
        return f"{self.group} {self.label} {self.symbol} {self.name}"


def _units() -> dict[str, MetricTable]:
    tables = all_metric_units()
    tables["health"] = dict(HEALTH_METRICS)
    return tables


UNITS = _units()


def split(name: str) -> tuple[str, str, str | None]:
    """(section, metric, entity) of a series name: ``disks.io[vda].read_bps`` ->
    ("disks", "io.read_bps", "vda"); ``cpu.total`` -> ("cpu", "total", None)."""
    entity = None
    found = _ENTITY.match(name)
    if found:
        entity = found["entity"]
        name = found["head"] + (f".{found['field']}" if found["field"] else "")
    section, _, metric = name.partition(".")
    return section, metric, entity


def describe(name: str) -> SeriesInfo:
    """The label, unit and group of series ``name``; unknown series keep their name."""
    section, metric, entity = split(name)
    unit, description = UNITS.get(section, {}).get(metric, ("", ""))
    template = LABELS.get(f"{section}.{metric}")
    if template is None or ("{e}" in template) != (entity is not None):
        return SeriesInfo(name, name, unit, GROUPS.get(section, OTHER), description)
    shown = workload_label(entity) if section == "cgroups" and entity else entity
    label = template.replace("{e}", shown or "")
    return SeriesInfo(name, label, unit, GROUPS.get(section, OTHER), description)


# A workload's kind (the part of its key before "/") as people say it.
WORKLOAD_KINDS = {
    "docker": "Container", "podman": "Container", "lxc": "Container", "pod": "Pod",
    "service": "Service", "slice": "Slice", "scope": "Scope", "user": "User", "cgroup": "Cgroup",
}  # fmt: skip


# A workload's kind in a few words, for a table's "Kind" column; a kind missing here says its
# WORKLOAD_KINDS word.
WORKLOAD_KIND_NAMES = {
    **WORKLOAD_KINDS,
    "docker": "Docker container", "podman": "Podman container", "lxc": "LXC container",
    "pod": "Kubernetes pod", "service": "systemd service", "slice": "systemd slice",
    "scope": "systemd scope", "user": "User slice", "cgroup": "Control group",
}  # fmt: skip


def workload_label(key: str) -> str:
    """``docker/web`` -> "Container web", ``service/nginx.service`` -> "Service nginx.service"."""
    kind, _, name = key.partition("/")
    return f"{WORKLOAD_KINDS.get(kind, kind.capitalize())} {name}" if name else key


def _natural(text: str) -> list[tuple[int, int | str]]:
    """Sort key ordering "2" before "10"."""
    parts = re.split(r"(\d+)", text)
    return [(0, int(part)) if part.isdigit() else (1, part.lower()) for part in parts]


_GROUP_ORDER = {group: i for i, group in enumerate(GROUPS.values())}
_METRIC_ORDER = {key: i for i, key in enumerate(LABELS)}


def _order(info: SeriesInfo) -> tuple[int, int, list[tuple[int, int | str]]]:
    """Group, then the metric as LABELS lists it (totals first), then the entity."""
    section, metric, entity = split(info.name)
    position = _METRIC_ORDER.get(f"{section}.{metric}", len(_METRIC_ORDER))
    return _GROUP_ORDER.get(info.group, len(_GROUP_ORDER)), position, _natural(entity or info.name)


def catalog(names: Iterable[str]) -> list[SeriesInfo]:
    """Every series of ``names`` described, by group (in ``GROUPS`` order), then metric (in
    ``LABELS`` order), then entity ("core 2" before "core 10")."""
    return sorted((describe(name) for name in names), key=_order)
