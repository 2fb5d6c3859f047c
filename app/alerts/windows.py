"""Window statistics (avg, max, min, last over N seconds) in amortised O(1) per value.

A running sum gives the average; monotonic deques give the maximum and minimum (each value
enters and leaves each deque once).
"""

from __future__ import annotations

from collections import deque


class Window:
    """The values of one series over the last ``seconds`` (by sample time)."""

    __slots__ = ("_maxq", "_minq", "_sum", "_values", "seconds", "stat")

    def __init__(self, seconds: float, stat: str) -> None:
        self.seconds = seconds
        self.stat = stat
        self._values: deque[tuple[float, float]] = deque()
        self._sum = 0.0
        self._maxq: deque[tuple[float, float]] = deque()
        self._minq: deque[tuple[float, float]] = deque()

    def push(self, ts: float, value: float) -> float:
        """Adds a value at ``ts`` and returns the statistic over the window ending there."""
        if self.stat == "last" or self.seconds <= 0:
            return value
        horizon = ts - self.seconds
        if self.stat == "avg":
            self._values.append((ts, value))
            self._sum += value
            while self._values[0][0] <= horizon:
                self._sum -= self._values.popleft()[1]
            return self._sum / len(self._values)
        queue = self._maxq if self.stat == "max" else self._minq
        if self.stat == "max":
            while queue and queue[-1][1] <= value:
                queue.pop()
        else:
            while queue and queue[-1][1] >= value:
                queue.pop()
        queue.append((ts, value))
        while queue[0][0] <= horizon:
            queue.popleft()
        return queue[0][1]
