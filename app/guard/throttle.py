"""The failure throttle: repeated guesses from one client are slowed down, doubling.

An attempt is counted before its credential is checked (``attempt``), under one lock, so that
concurrent guesses cannot all be checked before the first failure counts: of 40 guesses sent at
once, ``free`` are checked and the rest are told to wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CLIENTS = 10_000  # bounded memory under a spray of addresses


@dataclass
class FailureThrottle:
    """Counts attempts per client; after ``free`` of them each further one must wait, doubling
    up to ``ceiling`` seconds since the previous one. A success, or ``window`` seconds without
    an attempt, clears it."""

    free: int = 5
    ceiling: float = 300.0
    window: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _counts: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _wait(self, client: str, now: float) -> tuple[int, float]:
        """(attempts counted, seconds still to wait) for ``client`` at ``now``."""
        count, last = self._counts.get(client, (0, 0.0))
        if now - last > self.window:
            return 0, 0.0
        if count < self.free:
            return count, 0.0
        wait = min(self.ceiling, 2.0 ** (count - self.free))
        return count, max(0.0, last + wait - now)

    def retry_after(self, client: str) -> float:
        """Seconds ``client`` must still wait before its next attempt (0 when it may try)."""
        with self._lock:
            return self._wait(client, self.clock())[1]

    def attempt(self, client: str) -> float:
        """0 when ``client`` may check a credential now (the attempt is counted already, as if
        it failed); else the seconds it must wait (and nothing is counted)."""
        with self._lock:
            now = self.clock()
            count, wait = self._wait(client, now)
            if wait > 0:
                return wait
            self._record(client, count + 1, now)
            return 0.0

    def failed(self, client: str) -> None:
        """Counts a failure that was not announced by ``attempt``."""
        with self._lock:
            now = self.clock()
            self._record(client, self._wait(client, now)[0] + 1, now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._counts.pop(client, None)

    def _record(self, client: str, count: int, now: float) -> None:
        self._counts.pop(client, None)  # re-inserted last: the oldest client is evicted first
        self._counts[client] = (count, now)
        if len(self._counts) > MAX_CLIENTS:
            self._counts.pop(next(iter(self._counts)))
