"""Host pressure stall information (PSI): how much of the time tasks waited for CPU, memory
or I/O, from /proc/pressure/{cpu,memory,io}. It answers "why is the box slow" where CPU %
does not: a host at 40 % CPU whose tasks wait for memory a third of the time is slow."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from collectors.base import Clock, CollectorUnavailable, MetricTable, RateTracker
from collectors.cgroups.files import OpenFiles

RESOURCES = ("cpu", "memory", "io")
KINDS = ("some", "full")
AVERAGES = ("avg10", "avg60", "avg300")


def parse_pressure(text: str) -> dict[str, dict[str, float]]:
    """{"some": {"avg10": .., "avg60": .., "avg300": .., "total": µs}, "full": {...}}."""
    out: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        fields = dict(field.split("=", 1) for field in rest.split() if "=" in field)
        try:
            out[kind] = {name: float(value) for name, value in fields.items()}
        except ValueError:
            continue
    return out


class PressureCollector:
    """The ``pressure`` section: per resource, the kernel's averages and the share of this
    tick's wall time stalled (from the ``total=`` counter over the real elapsed time)."""

    name = "pressure"
    METRICS: MetricTable = {
        f"{resource}.{kind}_{metric}": ("%", f"{description} ({label})")
        for resource, description in (
            ("cpu", "time some runnable task waited for a CPU"),
            ("memory", "time tasks stalled on memory"),
            ("io", "time tasks stalled on I/O"),
        )
        for kind in KINDS
        for metric, label in (("avg10", "10 s average"), ("avg60", "1 min average"),
                              ("avg300", "5 min average"), ("pct", "since the last sample"))
    }  # fmt: skip

    def __init__(self, clock: Clock = time.monotonic, *, root: Path = Path("/proc/pressure")):
        self._paths = {resource: str(root / resource) for resource in RESOURCES}
        self._files = OpenFiles(limit=len(RESOURCES))
        self._rates = RateTracker(clock)
        try:
            self._files.read(self._paths["cpu"])
        except OSError as error:
            raise CollectorUnavailable(f"no pressure information: {error}") from error

    def collect(self) -> dict[str, Any]:
        """Each resource's some/full averages and stalled share; a line the kernel does not
        give (no "full" for cpu on older kernels) has its four values null."""
        self._rates.tick()
        section: dict[str, Any] = {}
        for resource, path in self._paths.items():
            try:
                lines = parse_pressure(self._files.read(path))
            except OSError:
                lines = {}
            values: dict[str, float | None] = {}
            for kind in KINDS:
                line = lines.get(kind)
                for average in AVERAGES:
                    values[f"{kind}_{average}"] = None if line is None else line.get(average)
                total = None if line is None else line.get("total")
                stalled = None if total is None else self._rates.rate(f"{resource}.{kind}", total)
                values[f"{kind}_pct"] = (
                    None if stalled is None else round(min(stalled / 1e4, 100.0), 2)
                )
            section[resource] = values
        return section


def _percent_of_time(stalled_us_per_s: float) -> float:
    """Microseconds stalled per second as a percentage of the time (at most 100)."""
    return round(min(stalled_us_per_s / 1e4, 100.0), 2)
