"""The silent-host watchdog judges a host by when its samples arrived, not by their ``ts``."""

from __future__ import annotations

from app.hub import LiveHub
from app.hub.reporting import LastHeard
from app.runtime.alerting import last_seen
from tests.support.samples import make_sample

WALL_NOW = 1_800_000_000.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def hub_with(heard: LastHeard, host: str, ts: float) -> LiveHub:
    hub = LiveHub()
    hub.add_publish_hook(heard)
    hub.publish(make_sample(1, host=host, ts0=ts))
    return hub


def test_a_host_whose_clock_is_ten_minutes_behind_is_heard_now() -> None:
    monotonic = Clock(500.0)
    heard = LastHeard(monotonic)
    hub = hub_with(heard, "skewed", WALL_NOW - 600)
    seen = last_seen(hub, heard, Clock(WALL_NOW))
    assert seen() == {"skewed": WALL_NOW}  # by its ts it would be 600 s silent


def test_a_host_silent_for_90_s_is_seen_90_s_ago_even_with_a_clock_ahead() -> None:
    monotonic = Clock(500.0)
    heard = LastHeard(monotonic)
    hub = hub_with(heard, "ahead", WALL_NOW + 3600)  # its ts says it is an hour in the future
    monotonic.now += 90
    seen = last_seen(hub, heard, Clock(WALL_NOW + 90))
    assert seen() == {"ahead": WALL_NOW}


def test_a_host_never_heard_here_falls_back_to_its_sample_time() -> None:
    heard = LastHeard(Clock(0.0))
    hub = LiveHub()  # no publish hook: the sample was never heard by this LastHeard
    hub.publish(make_sample(1, host="old", ts0=WALL_NOW - 30))
    assert last_seen(hub, heard, Clock(WALL_NOW))() == {"old": WALL_NOW - 30 + 1}
