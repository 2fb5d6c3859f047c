"""CPU utilisation, time shares, frequency and scheduler rates."""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

import psutil

from collectors._common import optional_call
from collectors.base import Clock, MetricTable, RateTracker

# cpu_times fields that are already counted inside "user"/"nice" on Linux (psutil does the same).
_GUEST_FIELDS = ("guest", "guest_nice")
# Idle time: the CPU did nothing, whether or not it waited for I/O.
_IDLE_FIELDS = ("idle", "iowait")


class CpuCollector:
    """Busy percentages from ``cpu_times`` deltas kept by this object, never blocking.

    psutil's ``cpu_percent(interval=None)`` keeps its previous reading per *thread*, so priming it
    in the constructor would not help a sampler thread, and any other caller in that thread would
    steal its deltas. This collector therefore reads ``cpu_times()`` (total and per core) once per
    tick and computes the same percentages as psutil from its own previous reading, taken in the
    constructor: the first ``collect()`` is already a real delta. Percentages are rounded to 0.1.
    """

    name = "cpu"
    METRICS: MetricTable = {
        "total": ("%", "busy time of all logical cores together"),
        "per_core": ("%", "busy time of each logical core"),
        "user": ("%", "share of time in user mode"),
        "system": ("%", "share of time in kernel mode"),
        "iowait": ("%", "share of time idle while waiting for I/O (Linux; else null)"),
        "steal": ("%", "share of time taken by the hypervisor (Linux; else null)"),
        "freq_mhz": ("MHz", "current frequency averaged over cores; null when unknown"),
        "ctx_switches_per_s": ("1/s", "context switches"),
        "interrupts_per_s": ("1/s", "hardware interrupts"),
    }

    def __init__(self, psutil_module: ModuleType | Any = psutil, clock: Clock = time.monotonic):
        self._psutil = psutil_module
        self._rates = RateTracker(clock)
        self._last_total = psutil_module.cpu_times()
        self._last_per_core = list(psutil_module.cpu_times(percpu=True))
        self._scheduler_rates()  # first sighting of the counters: the next collect has rates

    def collect(self) -> dict[str, Any]:
        """Utilisation since the previous call (or construction), frequency and rates."""
        self._rates.tick()
        total_now = self._psutil.cpu_times()
        per_core_now = list(self._psutil.cpu_times(percpu=True))
        shares = _shares(self._last_total, total_now)
        if len(per_core_now) == len(self._last_per_core):
            per_core = [
                _busy_percent(_shares(old, new))
                for old, new in zip(self._last_per_core, per_core_now, strict=True)
            ]
        else:  # a core went on- or offline: indices no longer line up this tick
            per_core = [None] * len(per_core_now)
        self._last_total, self._last_per_core = total_now, per_core_now
        ctx_switches, interrupts = self._scheduler_rates()
        return {
            "total": _busy_percent(shares),
            "per_core": per_core,
            "user": _share(shares, "user"),
            "system": _share(shares, "system"),
            "iowait": _share(shares, "iowait"),
            "steal": _share(shares, "steal"),
            "freq_mhz": self._frequency(),
            "ctx_switches_per_s": ctx_switches,
            "interrupts_per_s": interrupts,
        }

    def _scheduler_rates(self) -> tuple[float | None, float | None]:
        """Context switches and interrupts per second; (None, None) if cpu_stats fails."""
        stats = optional_call(getattr(self._psutil, "cpu_stats", None))
        if stats is None:
            return None, None
        return (
            self._rates.rate("ctx_switches", stats.ctx_switches),
            self._rates.rate("interrupts", stats.interrupts),
        )

    def _frequency(self) -> float | None:
        """Current MHz; None when cpu_freq is missing, raises, returns None or reports 0."""
        freq = optional_call(getattr(self._psutil, "cpu_freq", None))
        current = getattr(freq, "current", None)
        return float(current) if current else None


def _shares(old: Any, new: Any) -> dict[str, float] | None:
    """Each cpu_times field's percentage of the elapsed CPU time; None when no time elapsed.

    Mirrors psutil: negative field deltas count as 0, guest time is not counted twice.
    """
    deltas = {field: max(0.0, getattr(new, field) - getattr(old, field)) for field in new._fields}
    total = sum(deltas.values()) - sum(deltas.get(field, 0.0) for field in _GUEST_FIELDS)
    if total <= 0:
        return None
    return {field: min(100.0, delta * 100.0 / total) for field, delta in deltas.items()}


def _share(shares: dict[str, float] | None, field: str) -> float | None:
    if shares is None or field not in shares:
        return None
    return round(shares[field], 1)


def _busy_percent(shares: dict[str, float] | None) -> float | None:
    """100 minus the idle and iowait shares (psutil's definition), clamped to 0..100."""
    if shares is None:
        return None
    not_busy = sum(shares.get(field, 0.0) for field in _IDLE_FIELDS)
    return round(min(100.0, max(0.0, 100.0 - not_busy)), 1)
