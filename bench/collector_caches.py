"""Benchmark: the processes and disks collectors' CPU per collect, with and without their caches.

Run: ``.venv/bin/python -m bench.collector_caches [--ticks 300]``

"before" is each collector as it was before the caches: the processes collector masking every
command line it shows (``ShownCmdlines`` with its cache bypassed) and the disks collector listing
the partitions every tick (``mounts_changed`` always True); "after" is the collector as
``default_collectors`` builds it on this host. The four run in alternating rounds of 10 collects
in this one process (bench.common.alternating_cpu_ms), each on its own /proc reader, so that
machine noise hits them alike. Also counted: ``mask_arguments`` calls and partition listings
per collect.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from typing import Any

import psutil

from bench.common import alternating_cpu_ms, machine, table
from collectors import shown_cmdlines
from collectors.disks import DisksCollector
from collectors.privacy import mask_arguments
from collectors.process_table import truncate_cmdline
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader, linux_proc_root
from collectors.shown_cmdlines import Identity, ShownCmdlines

calls: Counter[str] = Counter()


class Uncached(ShownCmdlines):
    """Masks on every call, as the collector did before the cache."""

    def shown(self, identity: Identity, arguments: Any, limit: int) -> str | None:
        if self.hide_cmdline:
            return None
        if self.mask_secrets and isinstance(arguments, list | tuple):
            calls["mask:before"] += 1
            arguments = mask_arguments(arguments)
        return truncate_cmdline(arguments, limit)


def counted_masking(arguments: Any) -> list[str]:
    calls["mask:after"] += 1
    return mask_arguments(arguments)


def processes_collector(cached: bool) -> ProcessesCollector:
    root = linux_proc_root(psutil)
    collector = ProcessesCollector(procfs=ProcfsReader(root) if root else None)
    if not cached:
        collector._cmdlines = Uncached(hide_cmdline=False, mask_secrets=True)
    return collector


def disks_collector(cached: bool) -> DisksCollector:
    collector = DisksCollector()
    if not cached:
        collector._mounts_changed = lambda: True
    listing = psutil.disk_partitions
    label = "list:after" if cached else "list:before"

    def counted(all: bool = False) -> Any:
        calls[label] += 1
        return listing(all=all)

    collector._psutil = _With(psutil, disk_partitions=counted)
    return collector


class _With:
    """``module`` with some attributes replaced."""

    def __init__(self, module: Any, **replaced: Callable[..., Any]) -> None:
        self._module, self._replaced = module, replaced

    def __getattr__(self, name: str) -> Any:
        return self._replaced.get(name) or getattr(self._module, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    args = parser.parse_args()
    shown_cmdlines.mask_arguments = counted_masking  # type: ignore[assignment]
    steps = {
        "processes:before": processes_collector(False).collect,
        "processes:after": processes_collector(True).collect,
        "disks:before": disks_collector(False).collect,
        "disks:after": disks_collector(True).collect,
    }
    cpu = alternating_cpu_ms(steps, args.ticks)
    collects = cpu["ticks"] + 5  # the warm-up calls count too
    print(f"machine: {machine()}")
    print(f"processes on this host: {len(psutil.pids())}")
    rows = []
    for name, counted in (("processes", "mask"), ("disks", "list")):
        for variant in ("before", "after"):
            step = f"{name}:{variant}"
            per = calls[f"{counted}:{variant}"] / collects
            rows.append(
                [step, f"{cpu[step]:.3f}", f"{cpu[step + ':best']:.3f}", f"{per:.2f} {counted}"]
            )
    print(table(["collector", "CPU ms per collect", "best round", "calls per collect"], rows))
    print(f"({cpu['ticks']:.0f} collects each, in alternating rounds of 10)")


if __name__ == "__main__":
    main()
