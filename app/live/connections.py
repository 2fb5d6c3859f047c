"""The open live connections of one server, and the events and threads that serve them.

``LiveSockets`` tracks every connection for its lifetime and ends them all with 1001 when the
server goes away; ``SignalEvent`` is the event class simple-websocket uses for each connection,
so a stream learns at once that its client sent a frame or went away; ``ReaderThread`` is the
thread class it reads each connection with, which ends quietly when the connection ended under it.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from simple_websocket import ConnectionClosed

log = logging.getLogger(__name__)
ABORT_WAIT_S = 1.0  # how long aborted connections (sockets shut down) get to end


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


class ReaderThread(threading.Thread):
    """simple-websocket's reader thread of one connection (``SOCK_SERVER_OPTIONS``), ending
    quietly when the connection ended under it: a client that goes away right after the upgrade
    makes its first ``select`` registration fail with EBADF, and a ping timeout closes a
    connection the stream closed a moment before. Both are a normal disconnect (one debug line),
    not a traceback; any other error still is one."""

    def run(self) -> None:
        try:
            super().run()
        except ConnectionClosed as error:
            log.debug("live connection already closed: %s", error)
        except OSError as error:
            if error.errno not in (errno.EBADF, errno.ENOTCONN, errno.EPIPE, errno.ECONNRESET):
                raise
            log.debug("live connection gone under its reader: %s", error)


@dataclass
class _Tracked:
    stop: SignalEvent
    abort: Callable[[], None] | None


class LiveSockets:
    """The connections this server holds; ``close_all`` ends them with 1001 (going away)."""

    def __init__(self) -> None:
        self.counts = DeliveryCounts()
        self._lock = threading.Lock()
        self._open: dict[int, _Tracked] = {}
        self._idle = threading.Condition(self._lock)
        self._going_away = False

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    @contextmanager
    def track(self, abort: Callable[[], None] | None = None) -> Iterator[threading.Event]:
        """Registers one connection for its lifetime; yields the event that asks it to close.
        ``abort`` ends it without a closing handshake (shuts its socket down), for a
        connection that does not close when asked (a write blocked on a client that stopped
        reading). A connection that opens once the server is going away is asked at once."""
        entry = _Tracked(SignalEvent(), abort)
        with self._lock:
            self._open[id(entry)] = entry
            if self._going_away:
                entry.stop.set()
        try:
            yield entry.stop
        finally:
            with self._lock:
                self._open.pop(id(entry), None)
                self._idle.notify_all()

    def close_all(self, timeout: float = 5.0, *, for_good: bool = False) -> bool:
        """Asks every connection to close (each sends 1001 from its own thread), waits up to
        ``timeout`` seconds, then aborts those still open and waits ``ABORT_WAIT_S`` more; True
        when none is left. ``timeout`` 0 only asks. With ``for_good`` (the server is going
        away) a connection that opens later is asked at once too."""
        with self._lock:
            self._going_away = self._going_away or for_good
            entries = list(self._open.values())
        for entry in entries:
            entry.stop.set()  # outside the lock: its listeners wake the connection
        if timeout <= 0:
            return not entries
        with self._lock:
            if self._idle.wait_for(lambda: not self._open, timeout):
                return True
            stuck = [entry.abort for entry in self._open.values() if entry.abort is not None]
        for abort in stuck:
            with contextlib.suppress(OSError):
                abort()
        with self._lock:
            return self._idle.wait_for(lambda: not self._open, ABORT_WAIT_S)
