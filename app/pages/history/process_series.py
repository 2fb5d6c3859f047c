"""One process name's CPU and memory over a range, in slots for a sparkline.

The points come from ``storage.process_series`` (the snapshots up to 6 hours, the hourly
process usage rollup beyond): a name has a value while it was in a top list (its processes'
CPU and resident memory added up) and none otherwise. The range is cut into ``points`` equal
slots, each keeping the highest value seen in it, so a sparkline of a month stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POINTS = 120


@dataclass(frozen=True)
class ProcessSeries:
    """Per slot of the range: the name's highest CPU % and resident bytes (None: not listed)."""

    cpu: list[float | None]
    rss: list[float | None]

    @property
    def seen(self) -> int:
        """How many slots have a value."""
        return sum(v is not None for v in self.cpu)


def _top(slot: float | None, value: float) -> float:
    return value if slot is None else max(slot, value)


def slotted(
    points_of: dict[str, Any], start: float, end: float, points: int = POINTS
) -> ProcessSeries:
    """``storage.process_series``'s answer (``ts``, ``cpu``, ``rss`` lists) in ``points`` equal
    slots of ``[start, end]``, each the highest value in it; a point without a value (the name
    was not in the top lists then) leaves its slot empty."""
    width = max(end - start, 1e-9) / points
    cpu: list[float | None] = [None] * points
    rss: list[float | None] = [None] * points
    for ts, used, held in zip(points_of["ts"], points_of["cpu"], points_of["rss"], strict=True):
        if held is None or not start <= ts <= end:
            continue
        slot = min(int((ts - start) / width), points - 1)
        cpu[slot] = _top(cpu[slot], float(used))
        rss[slot] = _top(rss[slot], float(held))
    return ProcessSeries(cpu, rss)
