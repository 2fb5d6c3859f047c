"""The open live connections of one server, and the events that wake them.

``LiveSockets`` tracks every connection for its lifetime and can end them all with 1001;
``SignalEvent`` is the event class simple-websocket uses for each connection, so a stream learns
at once that its client sent a frame or went away.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol


class LiveSocket(Protocol):
    """What the stream needs of a simple-websocket ``Server`` (tests may pass a fake)."""

    connected: bool

    def send(self, data: str) -> None: ...

    def receive(self, timeout: float | None = None) -> Any: ...

    def close(self, reason: int | None = None, message: str | None = None) -> None: ...


# -- open connections ----------------------------------------------------------------------


class SignalEvent(threading.Event):
    """A ``threading.Event`` that also calls its listeners each time it is set.

    simple-websocket sets its connection's event when the client sent a frame or went away
    (``SOCK_SERVER_OPTIONS["event_class"]``); a stream listens to it, and to its stop event,
    to wake from its subscription at once.
    """

    def __init__(self) -> None:
        super().__init__()
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)
        if self.is_set():
            listener()

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def set(self) -> None:
        super().set()
        for listener in list(self._listeners):
            listener()


@dataclass
class DeliveryCounts:
    """Messages written to live connections by the publisher's thread in place, without waking
    the connection's thread (approximate under contention)."""

    direct: int = 0


class LiveSockets:
    """The connections this server holds; ``close_all`` ends them with 1001 (going away)."""

    def __init__(self) -> None:
        self.counts = DeliveryCounts()
        self._lock = threading.Lock()
        self._stops: set[threading.Event] = set()
        self._idle = threading.Condition(self._lock)

    def __len__(self) -> int:
        with self._lock:
            return len(self._stops)

    @contextmanager
    def track(self) -> Iterator[threading.Event]:
        """Registers one connection for its lifetime; yields the event that asks it to stop."""
        stop = SignalEvent()
        with self._lock:
            self._stops.add(stop)
        try:
            yield stop
        finally:
            with self._lock:
                self._stops.discard(stop)
                self._idle.notify_all()

    def close_all(self, timeout: float = 5.0) -> bool:
        """Asks every connection to close, then waits; True when none is left in time."""
        with self._lock:
            for stop in self._stops:
                stop.set()
            return self._idle.wait_for(lambda: not self._stops, timeout)
