"""Host identity: name, operating system, boot time, uptime and core counts."""

from __future__ import annotations

import platform
import socket
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import psutil

from collectors.base import MetricTable


def platform_name() -> str:
    """Operating system and release, e.g. ``"Linux 6.1.0"``."""
    return f"{platform.system()} {platform.release()}".strip()


class SystemCollector:
    """Who and what this host is.

    The OS name and core counts are read once, in the constructor (they do not change while the
    process runs; ``cpu_count(logical=False)`` reads many sysfs files). The hostname and boot time
    are read every tick; ``uptime_s`` is the injected wall clock minus the boot time, never
    negative. ``cores_physical`` is null where psutil cannot tell.
    """

    name = "system"
    METRICS: MetricTable = {
        "hostname": ("text", "host name"),
        "os": ("text", "operating system and release"),
        "boot_time": ("epoch s", "when the host booted (UTC epoch seconds)"),
        "uptime_s": ("s", "seconds since boot"),
        "cores_logical": ("cores", "logical CPUs (hardware threads)"),
        "cores_physical": ("cores", "physical cores; null when unknown"),
    }

    def __init__(
        self,
        psutil_module: ModuleType | Any = psutil,
        *,
        hostname: Callable[[], str] = socket.gethostname,
        wall_clock: Callable[[], float] = time.time,
        os_name: Callable[[], str] = platform_name,
    ) -> None:
        self._psutil = psutil_module
        self._hostname = hostname
        self._wall_clock = wall_clock
        self._os = os_name()
        self._cores_logical = psutil_module.cpu_count(logical=True)
        self._cores_physical = psutil_module.cpu_count(logical=False)

    def collect(self) -> dict[str, Any]:
        """The host's identity and uptime now."""
        boot_time = float(self._psutil.boot_time())
        return {
            "hostname": self._hostname(),
            "os": self._os,
            "boot_time": boot_time,
            "uptime_s": max(0.0, self._wall_clock() - boot_time),
            "cores_logical": self._cores_logical,
            "cores_physical": self._cores_physical,
        }
