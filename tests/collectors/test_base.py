"""RateTracker: counter deltas over the injected clock."""

from __future__ import annotations

from collectors.base import RateTracker
from tests.collectors.fakes import FakeClock


def test_rate_over_elapsed_time_null_first_and_when_backwards() -> None:
    clock = FakeClock()
    rates = RateTracker(clock)
    assert rates.rate("x", 100) is None  # first sighting
    clock.advance(2)
    rates.tick()
    assert rates.rate("x", 300) == 100.0
    clock.advance(1)
    rates.tick()
    assert rates.rate("x", 50) is None  # wrapped or reset
    clock.advance(1)
    rates.tick()
    assert rates.rate("x", 150) == 100.0


def test_no_elapsed_time_gives_null() -> None:
    rates = RateTracker(FakeClock())
    rates.rate("x", 1)
    assert rates.rate("x", 2) is None


def test_retain_forgets_other_keys() -> None:
    clock = FakeClock()
    rates = RateTracker(clock)
    rates.rate("a", 1)
    rates.rate("b", 1)
    rates.retain({"a"})
    clock.advance(1)
    rates.tick()
    assert rates.rate("a", 2) == 1.0
    assert rates.rate("b", 2) is None
