"""The sampler: one background thread that collects a sample per interval on a fixed cadence.

Tick ``i`` is due at ``t0 + i * interval`` on the monotonic clock, so the cadence never drifts.
``t0`` is chosen so that the wall-clock timestamps of the slots fall on whole multiples of the
interval (12:00:01.000, 12:00:02.000, ...), which lines samples of many hosts up. A tick that
overruns the next slot skips to the first free slot and counts the skipped ones.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from collectors.registry import CollectorRegistry
from lifecycle import BackgroundThread

log = logging.getLogger(__name__)

Sink = Callable[[dict[str, Any]], None]
HealthProvider = Callable[[], dict[str, Any]]


class Sampler:
    """Collects one sample per interval and hands it to every sink (hub, storage writer)."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        host: str,
        interval: float = 1.0,
        sinks: list[Sink] | None = None,
        health_providers: list[HealthProvider] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        thread_cpu_time: Callable[[], float] = time.thread_time,
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.registry = registry
        self.host = host
        self.interval = interval
        self.sinks = list(sinks or [])
        self.health_providers = list(health_providers or [])
        self._clock = clock
        self._wall_clock = wall_clock
        self._thread_cpu_time = thread_cpu_time
        self._thread = BackgroundThread("monitor-sampler", self.run)
        self._stop = self._thread.stopping
        self.skipped_ticks = 0
        self.ticks = 0
        self._index = 0
        self._t0 = 0.0
        self._wall_t0 = 0.0

    # -- schedule -------------------------------------------------------------------------

    def align(self) -> None:
        """Fixes ``t0`` so that slot wall times are whole multiples of the interval."""
        mono, wall = self._clock(), self._wall_clock()
        offset = (-wall) % self.interval or self.interval
        self._t0 = mono + offset
        self._wall_t0 = wall + offset
        self._index = 0

    def slot_time(self, index: int) -> float:
        """Monotonic time at which tick ``index`` is due."""
        return self._t0 + index * self.interval

    def seconds_until_due(self) -> float:
        """How long to wait before the current tick is due (0 when already due)."""
        return max(0.0, self.slot_time(self._index) - self._clock())

    def tick(self) -> dict[str, Any]:
        """Takes the sample of the current slot, hands it to the sinks, advances the schedule."""
        index = self._index
        started = self._clock()
        lag_ms = max(0.0, (started - self.slot_time(index)) * 1000.0)
        result = self.registry.collect_all()
        sample: dict[str, Any] = {
            "v": 1,
            "host": self.host,
            "ts": round(self._wall_t0 + index * self.interval, 3),
            "seq": index,
        }
        sample.update(result.sections)
        health: dict[str, Any] = {
            "collect_ms": {k: round(v, 3) for k, v in result.durations_ms.items()},
            "collect_total_ms": round(sum(result.durations_ms.values()), 3),
            "interval_s": self.interval,
            "lag_ms": round(lag_ms, 3),
            "skipped_ticks": self.skipped_ticks,
            "cpu_time_s": round(self._thread_cpu_time(), 4),
            "failed_collectors": result.failed,
        }
        for provider in self.health_providers:
            try:
                health.update(provider())
            except Exception:
                log.exception("health provider failed")
        sample["health"] = health
        for sink in self.sinks:
            try:
                sink(sample)
            except Exception:
                log.exception("sample sink %r failed", sink)
        self.ticks += 1
        self._advance()
        return sample

    def _advance(self) -> None:
        """Moves to the next slot; if that slot has already passed, skips to the first free one."""
        next_index = self._index + 1
        now = self._clock()
        if now > self.slot_time(next_index):
            free = math.ceil((now - self._t0) / self.interval)
            self.skipped_ticks += free - next_index
            next_index = free
        self._index = next_index

    # -- thread ---------------------------------------------------------------------------

    def run(self) -> None:
        """Ticks until ``stop``; the body of the sampler thread."""
        self.align()
        while not self._stop.wait(self.seconds_until_due()):
            self.tick()

    def start(self) -> None:
        """Starts the background thread once; later calls do nothing."""
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.alive

    def stop(self, timeout: float = 5.0) -> None:
        """Stops the thread after the tick in progress."""
        self._thread.stop(timeout)
