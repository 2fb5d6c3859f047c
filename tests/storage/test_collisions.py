"""Samples whose (host, ts) is taken, on SQLite and PostgreSQL: a duplicate is skipped, a
collision (another sample at a stored time, after the wall clock went back) keeps the stored
row and is counted; ``stored_samples`` counts only rows really stored."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from storage.collisions import BatchOutcome
from storage.engine import make_engine
from storage.store import MetricStore
from tests.support.clocks import FakeClock, SteppingWallClock
from tests.support.counting import count_samples
from tests.support.samples import make_sample

WALL_T0 = 1_700_000_000.0


@pytest.fixture
def store(database_url: str) -> MetricStore:
    store = MetricStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def other_sample(i: int) -> dict[str, Any]:
    """A different sample with the time of ``make_sample(i)``."""
    sample = make_sample(i)
    sample["cpu"]["total"] = 99.5
    return sample


def test_duplicates_and_collisions_are_told_apart(store: MetricStore) -> None:
    assert store.write_batch([make_sample(i) for i in range(5)]) == BatchOutcome(5, 0, 0)
    assert store.write_batch([make_sample(i) for i in range(5)]) == BatchOutcome(0, 5, 0)
    mixed = [other_sample(3), other_sample(4), make_sample(5), make_sample(2)]
    assert store.write_batch(mixed) == BatchOutcome(1, 1, 2)
    frame = store.read_frame("test-host", 0, 2e9, ["cpu.total"])
    assert len(frame) == 6 and 99.5 not in set(frame["cpu.total"])  # the stored rows won


def test_a_collision_inside_one_batch(store: MetricStore) -> None:
    batch = [make_sample(0), make_sample(1), other_sample(1), make_sample(1)]
    assert store.write_batch(batch) == BatchOutcome(2, 1, 1)
    assert count_samples(store) == 2


class Counter:
    """A collector whose value is its number of calls: no two samples of a run are alike."""

    name = "cpu"
    METRICS = {"total": ("%", "CPU busy")}

    def __init__(self) -> None:
        self.calls = 0

    def collect(self) -> dict[str, Any]:
        self.calls += 1
        return {"total": float(self.calls)}


def run_monitor(database_url: str, wall_at: float, ticks: int) -> Monitor:
    """A monitor with injected clocks that takes ``ticks`` samples and writes them."""
    mono = FakeClock(50.0)
    wall = SteppingWallClock(mono, at=wall_at)
    config = Config(
        database_url=database_url, hostname="box", batch_interval=3600, alerts_enabled=False
    )
    monitor = Monitor(config, collector_factory=lambda _c: [Counter()], clock=mono, wall_clock=wall)
    sampler = monitor.sampler = monitor.build_sampler()
    sampler.align()
    for _ in range(ticks):
        mono.advance(sampler.seconds_until_due())
        sampler.tick()
    assert monitor.writer.write_pending()
    return monitor


def test_a_step_back_then_a_restart_counts_every_collision(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = run_monitor(database_url, WALL_T0, 200)  # stores WALL_T0+1 .. WALL_T0+200
    assert first.writer.health()["stored_samples"] == 200
    first.stop()
    with caplog.at_level(logging.WARNING, logger="storage.writer"):
        # restarted after the clock went back 120 s: WALL_T0+81 .. WALL_T0+230
        second = run_monitor(database_url, WALL_T0 + 200 - 120, 150)
    health = second.writer.health()
    assert (health["stored_samples"], health["sample_collisions"]) == (30, 120)
    assert health["duplicate_samples"] == 0 and health["write_errors"] == 0
    assert count_samples(second.store) == 230
    assert any("collide with stored ones" in r.getMessage() for r in caplog.records)
    client = create_app(monitor=second).server.test_client()
    second.sampler.tick()  # its health carries the writer's counts
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "monitor_process_sample_collisions 120.0" in metrics
    assert 'monitor_health_sample_collisions{host="box"} 120.0' in metrics
    assert "monitor_process_stored_samples 30.0" in metrics
    second.stop()


def test_a_step_back_while_running_counts_every_collision(database_url: str) -> None:
    monitor = run_monitor(database_url, WALL_T0, 10)
    sampler = monitor.sampler
    sampler._wall_clock.step(-5.0)  # type: ignore[attr-defined]
    mono = sampler._clock
    for _ in range(8):  # WALL_T0+6 .. WALL_T0+13: five of them taken
        mono.advance(sampler.seconds_until_due())  # type: ignore[attr-defined]
        sampler.tick()
    assert monitor.writer.write_pending()
    health = monitor.writer.health()
    assert (health["stored_samples"], health["sample_collisions"]) == (13, 5)
    assert sampler.clock_steps == 1
    monitor.stop()
