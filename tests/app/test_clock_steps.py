"""Wall-clock steps (suspend and resume, NTP) with injected clocks: timestamps follow the wall
clock, the step is logged once and counted, and a healthy host never looks dead."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.config import Config
from app.runtime.monitor import Monitor
from app.runtime.sampler import Sampler
from collectors.registry import CollectorRegistry
from tests.support.clocks import FakeClock, SteppingWallClock

WALL_T0 = 1_700_000_000.25


class Counter:
    """A collector whose value is the number of calls so far."""

    name = "cpu"
    METRICS = {"total": ("%", "CPU busy")}

    def __init__(self) -> None:
        self.calls = 0

    def collect(self) -> dict[str, Any]:
        self.calls += 1
        return {"total": float(self.calls)}


def stepping_sampler(interval: float = 1.0) -> tuple[Sampler, FakeClock, SteppingWallClock]:
    mono = FakeClock(100.0)
    wall = SteppingWallClock(mono, at=WALL_T0)
    registry = CollectorRegistry(clock=mono)
    registry.register(Counter())
    sampler = Sampler(registry, host="h", interval=interval, clock=mono, wall_clock=wall)
    sampler.align()
    return sampler, mono, wall


def tick_on_time(sampler: Sampler, mono: FakeClock) -> dict[str, Any]:
    mono.advance(sampler.seconds_until_due())
    return sampler.tick()


def step_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "wall clock stepped" in r.getMessage()]


@pytest.mark.parametrize("step", [120.0, -120.0, 120.4, -37.7])
def test_a_step_re_anchors_at_once_with_one_line_and_a_count(
    caplog: pytest.LogCaptureFixture, step: float
) -> None:
    sampler, mono, wall = stepping_sampler()
    before = [tick_on_time(sampler, mono) for _ in range(5)]
    assert [s["ts"] for s in before] == [WALL_T0 + 0.75 + i for i in range(5)]
    slot = sampler.slot_time(sampler._index)
    wall.step(step)
    with caplog.at_level(logging.WARNING, logger="app.runtime.sampler"):
        first = tick_on_time(sampler, mono)
        assert first["ts"] <= wall() and wall() - first["ts"] < 1.0  # the wall time of its slot
        after = [first] + [tick_on_time(sampler, mono) for _ in range(4)]
    assert first["ts"] % 1.0 == 0.0  # still whole multiples of the interval
    assert [s["ts"] - first["ts"] for s in after] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert abs(mono.now - after[-1]["health"]["lag_ms"] / 1000 - (slot + 4)) < 1.0  # cadence
    assert [s["seq"] for s in before + after] == list(range(10))  # seq goes on through a step
    assert [s["health"]["clock_steps"] for s in after] == [1] * 5
    assert max(s["health"]["lag_ms"] for s in after) < 1000.0
    (line,) = step_lines(caplog)
    assert f"{step:+.3f} s" in line


def test_jitter_under_half_an_interval_is_not_a_step(caplog: pytest.LogCaptureFixture) -> None:
    sampler, mono, wall = stepping_sampler(interval=1.0)
    stamps = []
    with caplog.at_level(logging.WARNING, logger="app.runtime.sampler"):
        for shift in (0.2, 0.2, -0.45, 0.04):
            wall.step(shift)
            stamps.append(tick_on_time(sampler, mono)["ts"])
    assert stamps == [WALL_T0 + 0.75 + i for i in range(4)]
    assert sampler.clock_steps == 0 and step_lines(caplog) == []


def test_a_sampler_ticked_without_align_anchors_silently(caplog: pytest.LogCaptureFixture) -> None:
    mono = FakeClock(5.0)
    wall = SteppingWallClock(mono, at=WALL_T0)
    sampler = Sampler(CollectorRegistry(), host="h", clock=mono, wall_clock=wall)
    with caplog.at_level(logging.WARNING, logger="app.runtime.sampler"):
        sample = sampler.tick()
    assert sample["ts"] == WALL_T0 - 0.25 and sample["health"]["clock_steps"] == 0
    assert step_lines(caplog) == []


# -- what the API makes of it ----------------------------------------------------------------


@pytest.fixture
def clocks() -> tuple[FakeClock, SteppingWallClock]:
    mono = FakeClock(1000.0)
    return mono, SteppingWallClock(mono, at=WALL_T0)


@pytest.fixture
def monitor(tmp_path: Path, clocks: tuple[FakeClock, SteppingWallClock]) -> Monitor:
    mono, wall = clocks
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'm.db'}", hostname="box", alerts_enabled=False
    )
    monitor = Monitor(config, collector_factory=lambda _c: [Counter()], clock=mono, wall_clock=wall)
    monitor.sampler = monitor.build_sampler()  # ticked by hand: no thread
    monitor.sampler.align()
    yield monitor
    monitor.stop()


def host_entry(client: Any, path: str = "/api/v1/hosts") -> dict[str, Any]:
    (entry,) = [h for h in client.get(path).get_json()["hosts"] if h["host"] == "box"]
    return entry


@pytest.mark.parametrize("step", [120.0, -120.0])
def test_readiness_and_reporting_survive_a_step(
    monitor: Monitor, clocks: tuple[FakeClock, SteppingWallClock], step: float
) -> None:
    mono, wall = clocks
    client = create_app(monitor=monitor).server.test_client()
    sampler = monitor.sampler
    for _ in range(3):
        tick_on_time(sampler, mono)
    assert client.get("/readyz").status_code == 200
    wall.step(step)
    mono.advance(0.5)  # between the step and the next tick: the newest sample is pre-step
    assert client.get("/readyz").status_code == 200
    assert host_entry(client)["reporting"] and host_entry(client, "/api/v1/overview")["reporting"]
    sample = tick_on_time(sampler, mono)  # within one interval of the step
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["sample_age_s"] < 1.0
    hosts = host_entry(client)
    assert hosts["reporting"] and hosts["age_s"] < 1.0
    overview = host_entry(client, "/api/v1/overview")
    assert overview["reporting"] and overview["ts"] == sample["ts"]  # the new time is shown
    assert abs(sample["ts"] - wall()) < 1.0
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'monitor_health_clock_steps{host="box"} 1.0' in metrics


def test_a_host_that_stops_is_still_seen_to_stop(
    monitor: Monitor, clocks: tuple[FakeClock, SteppingWallClock]
) -> None:
    mono, wall = clocks
    client = create_app(monitor=monitor).server.test_client()
    tick_on_time(monitor.sampler, mono)
    wall.step(-3600.0)  # a step back cannot keep a silent host looking alive
    mono.advance(4.5)  # more than three intervals and the grace, with no tick
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and "4.5 s old" in not_ready.get_json()["error"]
    assert not host_entry(client)["reporting"]
    assert not host_entry(client, "/api/v1/overview")["reporting"]
