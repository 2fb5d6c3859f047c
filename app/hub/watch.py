"""Which hosts this process's consumers watch: the whole samples it needs to hear.

A live connection following a host watches it while it is open (``watching``). On PostgreSQL
the relay's listener hears a host's whole samples only while someone here watches it (and its
own host always), so it registers a listener that wakes it on every change and reads ``hosts``
from its own thread (``app.cluster.listener``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)


class WatchedHosts:
    """A thread-safe count of watchers per host, calling listeners when the set changes."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Calls ``listener()`` (which must not block) whenever a host gains its first watcher
        or loses its last."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def watch(self, host: str) -> None:
        """One more watcher of ``host``."""
        with self._lock:
            self._counts[host] += 1
            changed = self._counts[host] == 1
        if changed:
            self._changed()

    def unwatch(self, host: str) -> None:
        """One watcher of ``host`` fewer (the last one leaving ends the watch)."""
        with self._lock:
            if self._counts[host] <= 0:
                return
            self._counts[host] -= 1
            changed = self._counts[host] == 0
            if changed:
                del self._counts[host]
        if changed:
            self._changed()

    @contextlib.contextmanager
    def watching(self, host: str) -> Iterator[None]:
        """Watches ``host`` for the duration of the block."""
        self.watch(host)
        try:
            yield
        finally:
            self.unwatch(host)

    def hosts(self) -> frozenset[str]:
        """The hosts with at least one watcher now."""
        with self._lock:
            return frozenset(self._counts)

    def count(self, host: str) -> int:
        with self._lock:
            return self._counts.get(host, 0)

    def _changed(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:  # a broken listener must not stop a connection
                log.exception("watch listener %r failed", listener)
