"""When a host counts as still reporting: the one rule the API, readiness and the overview share.

Freshness is measured on this process's monotonic clock, from when each host's newest sample
arrived here (``LastHeard``, a publish hook of the hub), not by comparing the sample's ``ts``
with the wall clock: a sample's time is its host's wall clock, which may step (suspend and
resume, NTP) or differ from ours, and a step must never make a healthy host look dead (or a
dead one alive). Only a host known from the database alone is judged by its stored time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.hub.live_hub import Message

SILENT_INTERVALS = 3  # intervals without a sample before a host counts as not reporting
GRACE_S = 1.0  # on top: a sample a little late (a slow tick, the relay's delay) is not silence


def still_reporting(age_s: float, interval_s: float) -> bool:
    """True while the newest sample, ``age_s`` old, is within three of the host's intervals."""
    return age_s <= SILENT_INTERVALS * interval_s + GRACE_S


class LastHeard:
    """When each host's newest sample was published here, on ``clock`` (monotonic).

    Add it to a hub with ``LiveHub.add_publish_hook``; ``age(host)`` is then the seconds since
    that host was last heard of (local samples and relayed ones alike), None if never.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._heard: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, message: Message) -> None:
        now = self._clock()
        with self._lock:
            self._heard[message.host] = now

    def age(self, host: str) -> float | None:
        """Seconds since ``host``'s newest sample arrived (never negative), or None."""
        with self._lock:
            heard = self._heard.get(host)
        return None if heard is None else max(0.0, self._clock() - heard)
