"""Clocks a test drives: a monotonic one it advances, and a wall clock that follows it and can
step (as suspend and resume or an NTP correction make it), without touching the real ones."""

from __future__ import annotations


class FakeClock:
    """A clock that reads ``now``; the test moves it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SteppingWallClock:
    """Wall time that advances with ``mono`` (starting at ``at``) and jumps by ``step``."""

    def __init__(self, mono: FakeClock, at: float) -> None:
        self.mono = mono
        self.offset = at - mono.now

    def __call__(self) -> float:
        return self.mono.now + self.offset

    def step(self, seconds: float) -> None:
        """Moves the wall clock by ``seconds`` (negative: back); the monotonic one stays."""
        self.offset += seconds
