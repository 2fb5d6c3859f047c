"""The collector protocol and the helpers every collector shares.

A collector is a small object with a ``name``, a ``METRICS`` table (metric -> (unit, description))
and ``collect() -> dict``. It receives the psutil module and a monotonic clock as constructor
arguments so tests can pass fakes. ``collect`` never blocks: rates come from counter deltas over
the real elapsed time between two calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

Clock = Callable[[], float]
MetricTable = dict[str, tuple[str, str]]


@runtime_checkable
class Collector(Protocol):
    """One area of the host (cpu, memory, ...).

    ``collect`` returns the JSON-able value that goes under the sample's ``name`` key: a dict for
    every section except ``gpus``, whose value is a list (see docs/sample-format.md).
    """

    name: str
    METRICS: MetricTable

    def collect(self) -> Any: ...


class CollectorUnavailable(Exception):
    """Raised by a collector's constructor when its area does not exist on this host."""


class RateTracker:
    """Turns monotonically increasing counters into per-second rates.

    ``rate(key, value)`` returns None on the first sighting of ``key``, when no time has passed,
    and when the counter went backwards (wrap, reset, device gone and back): never a negative or
    huge rate. Time comes from the injected monotonic clock, sampled once per ``tick``.
    """

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._previous: dict[str, tuple[float, float]] = {}
        self._now = clock()

    def tick(self) -> None:
        """Reads the clock once; every ``rate`` until the next tick uses this instant."""
        self._now = self._clock()

    def rate(self, key: str, value: float) -> float | None:
        """Per-second rate of ``key`` since its previous reading, or None when there is none."""
        previous = self._previous.get(key)
        self._previous[key] = (self._now, value)
        if previous is None:
            return None
        then, old = previous
        elapsed = self._now - then
        if elapsed <= 0 or value < old:
            return None
        return (value - old) / elapsed

    def forget(self, key: str) -> None:
        """Forgets ``key``: its next reading is a first sighting again."""
        self._previous.pop(key, None)

    def retain(self, keys: set[str]) -> None:
        """Forgets every key not in ``keys`` (an interface or disk that went away)."""
        for key in self._previous.keys() - keys:
            del self._previous[key]
