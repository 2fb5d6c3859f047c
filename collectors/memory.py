"""Physical memory and swap: sizes, usage and swap traffic."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import psutil

from collectors._common import optional_call
from collectors.base import Clock, MetricTable, RateTracker


class MemoryCollector:
    """``virtual_memory`` and ``swap_memory`` once per tick.

    ``cached``/``buffers`` are null where psutil does not report them (they are Linux and BSD
    fields). A host without swap (total 0) reports zeros; if ``swap_memory`` itself fails the swap
    sizes are zeros and the swap rates null. Swap rates come from the cumulative ``sin``/``sout``
    byte counters, first read in the constructor so the first ``collect()`` already has them.
    """

    name = "memory"
    METRICS: MetricTable = {
        "total": ("bytes", "physical memory"),
        "used": ("bytes", "memory in use (psutil's platform-specific definition)"),
        "available": ("bytes", "memory that can be given to processes without swapping"),
        "percent": ("%", "share of memory not available"),
        "cached": ("bytes", "page cache (null where unknown)"),
        "buffers": ("bytes", "kernel buffers (null where unknown)"),
        "swap_total": ("bytes", "swap space; 0 without swap"),
        "swap_used": ("bytes", "swap space in use"),
        "swap_percent": ("%", "share of swap space in use"),
        "swap_in_per_s": ("bytes/s", "bytes swapped in from disk"),
        "swap_out_per_s": ("bytes/s", "bytes swapped out to disk"),
    }

    def __init__(self, psutil_module: ModuleType | Any = psutil, clock: Clock = time.monotonic):
        self._psutil = psutil_module
        self._rates = RateTracker(clock)
        self._swap_rates(optional_call(psutil_module.swap_memory))

    def collect(self) -> dict[str, Any]:
        """One reading of memory and swap, with swap traffic since the previous call."""
        self._rates.tick()
        memory = self._psutil.virtual_memory()
        swap = optional_call(self._psutil.swap_memory)
        swap_total = swap.total if swap is not None else 0
        swap_in, swap_out = self._swap_rates(swap)
        return {
            "total": memory.total,
            "used": memory.used,
            "available": memory.available,
            "percent": float(memory.percent),
            "cached": getattr(memory, "cached", None),
            "buffers": getattr(memory, "buffers", None),
            "swap_total": swap_total,
            "swap_used": swap.used if swap is not None else 0,
            "swap_percent": float(swap.percent) if swap is not None and swap_total else 0.0,
            "swap_in_per_s": swap_in,
            "swap_out_per_s": swap_out,
        }

    def _swap_rates(self, swap: Any) -> tuple[float | None, float | None]:
        if swap is None:
            return None, None
        return self._rates.rate("sin", swap.sin), self._rates.rate("sout", swap.sout)
