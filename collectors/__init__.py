"""Collectors: one small object per area of the host, each returning one sample section.

``default_collectors()`` builds every collector this host supports; ``all_metric_units()`` lists
each section's metrics with their units (``catalog`` names each stored series for people from
them; ``units`` writes values with units). See docs/sample-format.md for the sections' shapes.
A collector is given its dependencies (the psutil module, a clock, a /proc root) and never
blocks. May import psutil, NVML and the standard library; never storage, the app, Flask or Dash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import psutil

from collectors.base import Clock, Collector, CollectorUnavailable, MetricTable
from collectors.cgroups import CgroupsCollector
from collectors.cpu import CpuCollector
from collectors.disks import DisksCollector
from collectors.gpu import GpuCollector
from collectors.load import LoadCollector
from collectors.memory import MemoryCollector
from collectors.network import NetworkCollector
from collectors.pressure import PressureCollector
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader, linux_proc_root
from collectors.sensors import SensorsCollector
from collectors.system import SystemCollector

__all__ = [
    "COLLECTOR_CLASSES",
    "Collector",
    "CollectorUnavailable",
    "all_metric_units",
    "default_collectors",
]

log = logging.getLogger(__name__)

# Every collector class, in the order of the sample's sections.
COLLECTOR_CLASSES: tuple[type, ...] = (
    CpuCollector,
    MemoryCollector,
    LoadCollector,
    SystemCollector,
    DisksCollector,
    NetworkCollector,
    SensorsCollector,
    ProcessesCollector,
    GpuCollector,
    PressureCollector,
    CgroupsCollector,
)


def default_collectors(
    psutil_module: ModuleType | Any = psutil,
    clock: Clock = time.monotonic,
    *,
    top_n: int = 15,
    include_virtual_net: bool = False,
    cmdline_max: int = 256,
    hide_cmdline: bool = False,
    mask_secrets: bool = True,
    cgroup_roots: tuple[str, ...] = (),
    docker_socket: str = "",
) -> list[Collector]:
    """Every collector this host supports, in section order.

    With the real psutil on Linux the process table is read from /proc directly
    (``collectors.procfs``); otherwise, and with a fake psutil module, through psutil.

    A collector whose constructor raises (CollectorUnavailable: no GPU, no sensor support; or
    anything else) is left out after one INFO line such as ``gpu collector unavailable: ...``.
    """
    factories: list[tuple[str, Callable[[], Collector]]] = [
        ("cpu", lambda: CpuCollector(psutil_module, clock)),
        ("memory", lambda: MemoryCollector(psutil_module, clock)),
        ("load", lambda: LoadCollector(psutil_module)),
        ("system", lambda: SystemCollector(psutil_module)),
        ("disks", lambda: DisksCollector(psutil_module, clock)),
        (
            "network",
            lambda: NetworkCollector(psutil_module, clock, include_virtual=include_virtual_net),
        ),
        ("sensors", lambda: SensorsCollector(psutil_module)),
        (
            "processes",
            lambda: ProcessesCollector(
                psutil_module,
                top_n=top_n,
                cmdline_max=cmdline_max,
                hide_cmdline=hide_cmdline,
                mask_secrets=mask_secrets,
                procfs=_procfs_reader(psutil_module, clock),
                clock=clock,
            ),
        ),
        ("gpu", GpuCollector),
    ]
    if linux_proc_root(psutil_module) is not None:  # a fake host has no kernel files to read
        workloads = {"top_n": top_n, "extra_roots": cgroup_roots, "docker_socket": docker_socket}
        factories += [
            ("pressure", lambda: PressureCollector(clock)),
            ("cgroups", lambda: CgroupsCollector(clock, **workloads)),  # type: ignore[arg-type]
        ]
    return _available(factories)


def _available(factories: list[tuple[str, Callable[[], Collector]]]) -> list[Collector]:
    """What each factory makes; one that raises is left out after one INFO line."""
    collectors: list[Collector] = []
    for label, factory in factories:
        try:
            collectors.append(factory())
        except CollectorUnavailable as error:
            log.info("%s collector unavailable: %s", label, error)
        except Exception as error:
            log.info("%s collector unavailable: %s: %s", label, type(error).__name__, error)
    return collectors


def _procfs_reader(psutil_module: ModuleType | Any, clock: Clock) -> ProcfsReader | None:
    root = linux_proc_root(psutil_module)
    return ProcfsReader(root, clock) if root is not None else None


def all_metric_units() -> dict[str, MetricTable]:
    """Section name -> {metric: (unit, description)} for every collector, available or not."""
    return {cls.name: dict(cls.METRICS) for cls in COLLECTOR_CLASSES}
