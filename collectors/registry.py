"""The registry runs every registered collector once per tick, isolating their failures."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from collectors.base import Clock, Collector

log = logging.getLogger(__name__)


@dataclass
class CollectionResult:
    """What one pass over the collectors produced: sections, per-collector timings, failures."""

    sections: dict[str, Any] = field(default_factory=dict)
    durations_ms: dict[str, float] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


class CollectorRegistry:
    """Holds collectors by unique name; ``collect_all`` never raises.

    A collector that raises is logged once (with its traceback) and then silently skipped for
    that tick; once it succeeds again a recovery line is logged, so a flapping collector cannot
    flood the log at 1 Hz.
    """

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self._collectors: dict[str, Collector] = {}
        self._failing: set[str] = set()
        self._clock = clock

    def register(self, collector: Collector) -> None:
        """Adds ``collector``; a second collector with the same name is a ValueError."""
        if collector.name in self._collectors:
            raise ValueError(f"duplicate collector name: {collector.name!r}")
        self._collectors[collector.name] = collector

    @property
    def names(self) -> list[str]:
        return list(self._collectors)

    def get(self, name: str) -> Collector | None:
        """The collector registered as ``name``, None when there is none."""
        return self._collectors.get(name)

    def collect_all(self) -> CollectionResult:
        """Calls every collector once; a failing one is absent from ``sections``."""
        result = CollectionResult()
        for name, collector in self._collectors.items():
            started = self._clock()
            try:
                result.sections[name] = collector.collect()
            except Exception:
                result.failed.append(name)
                if name not in self._failing:
                    self._failing.add(name)
                    log.exception("collector %r failed; skipping it until it recovers", name)
            else:
                if name in self._failing:
                    self._failing.discard(name)
                    log.info("collector %r recovered", name)
            result.durations_ms[name] = (self._clock() - started) * 1000.0
        return result
