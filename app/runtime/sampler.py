"""The sampler: one background thread that collects a sample per interval on a fixed cadence.

Tick ``i`` is due at ``t0 + i * interval`` on the monotonic clock, so the cadence never drifts.
``t0`` is chosen so that the wall-clock timestamps of the slots fall on whole multiples of the
interval (12:00:01.000, 12:00:02.000, ...), which lines samples of many hosts up. A tick that
overruns the next slot skips to the first free slot and counts the skipped ones.

A sample's ``ts`` is the wall time of its slot. The wall clock can step (suspend and resume, an
NTP correction, an operator's ``date -s``) while the monotonic one does not, so each tick
compares the two: when the wall clock is more than half an interval from where the cadence
expects it, the timestamps are re-anchored at once (the slot of this tick becomes the newest
whole multiple of the interval at or before the wall time now), with one log line giving the
size of the step, and the step is counted (``health.clock_steps``). ``seq`` goes on counting
ticks through a step. After a step back, timestamps repeat ones already taken: the storage keeps
the row it has and counts the collision, and the live stream orders by ``seq`` then
(docs/sample-format.md).
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

STEP_INTERVALS = 0.5  # a wall clock this many intervals away from the cadence has stepped


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
        self.clock_steps = 0
        self.ticks = 0
        self._index = 0
        self._t0 = 0.0
        self._wall_t0 = 0.0
        self._anchored = False

    # -- schedule -------------------------------------------------------------------------

    def align(self) -> None:
        """Fixes ``t0`` so that slot wall times are whole multiples of the interval."""
        mono, wall = self._clock(), self._wall_clock()
        offset = (-wall) % self.interval or self.interval
        self._t0 = mono + offset
        self._wall_t0 = wall + offset
        self._index = 0
        self._anchored = True

    def follow_wall_clock(self, mono: float) -> None:
        """Re-anchors the timestamps when the wall clock has stepped since they were anchored
        (or anchors them, silently, on a first tick without ``align``): the current slot gets
        the newest whole multiple of the interval at or before the wall time now."""
        wall = self._wall_clock()
        step = (wall - mono) - (self._wall_t0 - self._t0)
        if self._anchored and abs(step) <= STEP_INTERVALS * self.interval:
            return
        slot_wall = math.floor(wall / self.interval) * self.interval
        self._wall_t0 = slot_wall - self._index * self.interval
        self._t0 = mono - (wall - slot_wall) - self._index * self.interval
        if self._anchored:
            self.clock_steps += 1
            log.warning(
                "wall clock stepped %+.3f s: sample times of %s re-anchored to it (step %d)",
                step,
                self.host,
                self.clock_steps,
            )
        self._anchored = True

    def slot_time(self, index: int) -> float:
        """Monotonic time at which tick ``index`` is due."""
        return self._t0 + index * self.interval

    def seconds_until_due(self) -> float:
        """How long to wait before the current tick is due (0 when already due)."""
        return max(0.0, self.slot_time(self._index) - self._clock())

    def tick(self) -> dict[str, Any]:
        """Takes the sample of the current slot, hands it to the sinks, advances the schedule."""
        started = self._clock()
        self.follow_wall_clock(started)
        index = self._index
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
            "clock_steps": self.clock_steps,
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
