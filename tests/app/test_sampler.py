"""The sampler's cadence and health, driven by an injected clock (no sleeps)."""

from __future__ import annotations

from typing import Any

import pytest

from app.runtime.sampler import Sampler
from collectors.registry import CollectorRegistry
from tests.support.clocks import FakeClock, SteppingWallClock
from tests.support.polling import wait_for


class StubCollector:
    """A collector whose collect() advances the fake clock by ``cost`` seconds."""

    METRICS = {"value": ("count", "calls so far")}

    def __init__(self, name: str, clock: FakeClock | None = None, cost: float = 0.0) -> None:
        self.name = name
        self.clock = clock
        self.cost = cost
        self.calls = 0

    def collect(self) -> dict[str, Any]:
        self.calls += 1
        if self.clock is not None:
            self.clock.now += self.cost
        return {"value": self.calls}


class Boom:
    name = "boom"
    METRICS: dict = {}

    def collect(self) -> dict[str, Any]:
        raise RuntimeError("sensor exploded")


def make_sampler(
    clock: FakeClock, wall: SteppingWallClock, *collectors: Any, **kwargs: Any
) -> Sampler:
    registry = CollectorRegistry(clock=clock)
    for collector in collectors:
        registry.register(collector)
    return Sampler(
        registry, host="h", clock=clock, wall_clock=wall, thread_cpu_time=lambda: 0.25, **kwargs
    )


def test_slots_are_aligned_to_whole_intervals_and_do_not_drift() -> None:
    mono = FakeClock(50.0)
    wall = SteppingWallClock(mono, at=1000.3)
    sampler = make_sampler(mono, wall, StubCollector("a", mono, cost=0.01))
    sampler.align()
    assert sampler.seconds_until_due() == pytest.approx(0.7)
    stamps = []
    for _ in range(100):
        mono.now += sampler.seconds_until_due() + 0.002  # the thread wakes 2 ms late
        stamps.append(sampler.tick()["ts"])
    assert stamps == [1001.0 + i for i in range(100)]
    assert sampler.slot_time(100) == pytest.approx(50.7 + 100)  # still on the grid
    assert sampler.skipped_ticks == 0


def test_an_overrun_skips_to_the_next_free_slot_and_is_counted() -> None:
    mono = FakeClock(0.0)
    wall = SteppingWallClock(mono, at=0.0)
    slow = StubCollector("slow", mono, cost=0.0)
    sampler = make_sampler(mono, wall, slow)
    sampler.align()
    mono.now = sampler.slot_time(0)
    first = sampler.tick()
    slow.cost = 2.5  # this tick takes two and a half intervals
    mono.now = sampler.slot_time(1)
    second = sampler.tick()
    assert sampler.skipped_ticks == 2
    assert sampler.seconds_until_due() == pytest.approx(0.5)  # next is slot 4, not 3.5
    slow.cost = 0.0
    mono.now += sampler.seconds_until_due()
    third = sampler.tick()
    assert [first["seq"], second["seq"], third["seq"]] == [0, 1, 4]
    assert third["ts"] - first["ts"] == 4.0
    assert third["health"]["skipped_ticks"] == 2


def test_sample_carries_identity_and_health() -> None:
    mono = FakeClock(10.0)
    wall = SteppingWallClock(mono, at=500.0)
    sampler = make_sampler(
        mono,
        wall,
        StubCollector("a", mono, cost=0.003),
        health_providers=[lambda: {"buffer_depth": 7}],
    )
    sampler.align()
    mono.now += sampler.seconds_until_due() + 0.004
    sample = sampler.tick()
    assert sample["v"] == 1 and sample["host"] == "h" and sample["seq"] == 0
    assert sample["a"] == {"value": 1}
    health = sample["health"]
    assert health["lag_ms"] == pytest.approx(4.0)
    assert health["collect_ms"]["a"] == pytest.approx(3.0)
    assert health["cpu_time_s"] == 0.25 and health["buffer_depth"] == 7


def test_a_failing_collector_or_sink_does_not_stop_the_sample() -> None:
    mono = FakeClock(0.0)
    wall = SteppingWallClock(mono, at=0.0)
    received: list[dict] = []

    def broken_sink(_sample: dict) -> None:
        raise OSError("disk full")

    sampler = make_sampler(
        mono, wall, Boom(), StubCollector("ok"), sinks=[broken_sink, received.append]
    )
    sampler.align()
    sample = sampler.tick()
    assert "boom" not in sample and sample["ok"] == {"value": 1}
    assert sample["health"]["failed_collectors"] == ["boom"]
    assert received == [sample]


def test_the_thread_samples_until_stopped() -> None:
    received: list[dict] = []
    registry = CollectorRegistry()
    registry.register(StubCollector("a"))
    sampler = Sampler(registry, host="h", interval=0.02, sinks=[received.append])
    sampler.start()
    sampler.start()  # idempotent
    wait_for(lambda: len(received) >= 3, message="three samples")
    sampler.stop()
    assert not sampler.running
    seqs = [s["seq"] for s in received]
    assert seqs == sorted(seqs)


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Sampler(CollectorRegistry(), host="h", interval=0)
