"""Load averages and the number of runnable tasks."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import psutil

from collectors.base import CollectorUnavailable, MetricTable

LOADAVG_PATH = "/proc/loadavg"


def read_proc_loadavg() -> str:
    """The text of /proc/loadavg (Linux), e.g. ``"0.27 0.39 0.18 1/139 8966"``."""
    with open(LOADAVG_PATH, encoding="ascii") as handle:
        return handle.read()


class LoadCollector:
    """1/5/15-minute load averages and the run queue.

    ``run_queue`` is the number of tasks currently runnable (the "running" half of the 4th field
    of /proc/loadavg, which counts the reading thread itself); null when the reader fails or its
    text cannot be parsed (non-Linux hosts). Raises CollectorUnavailable when psutil has no
    ``getloadavg`` on this platform.
    """

    name = "load"
    METRICS: MetricTable = {
        "load1": ("tasks", "load average over 1 minute"),
        "load5": ("tasks", "load average over 5 minutes"),
        "load15": ("tasks", "load average over 15 minutes"),
        "run_queue": ("tasks", "tasks runnable right now (Linux; else null)"),
    }

    def __init__(
        self,
        psutil_module: ModuleType | Any = psutil,
        *,
        read_loadavg: Callable[[], str] = read_proc_loadavg,
    ) -> None:
        self._getloadavg = getattr(psutil_module, "getloadavg", None)
        if self._getloadavg is None:
            raise CollectorUnavailable("psutil has no getloadavg on this platform")
        self._read_loadavg = read_loadavg

    def collect(self) -> dict[str, Any]:
        """Current load averages (rounded to 0.01) and run queue."""
        load1, load5, load15 = self._getloadavg()
        return {
            "load1": round(load1, 2),
            "load5": round(load5, 2),
            "load15": round(load15, 2),
            "run_queue": self._run_queue(),
        }

    def _run_queue(self) -> int | None:
        try:
            running, _total = self._read_loadavg().split()[3].split("/")
            return int(running)
        except (OSError, ValueError, IndexError):
            return None
