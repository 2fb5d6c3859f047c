"""Background threads: one start/stop lifecycle for every long-running part.

The sampler, the storage writer, history maintenance, the election, the relay's notifier and
its listener each run one loop in one daemon thread. ``BackgroundThread`` is that thread: it
starts once however often ``start`` is called (from any thread), carries the event that asks
the loop to end, and joins it on ``stop``. Imports the standard library only, so every layer
(collectors, storage, the app) may use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class BackgroundThread:
    """Runs ``target`` in one daemon thread called ``name``; the loop ends when ``stopping``
    is set (``target`` should wait on it rather than sleep)."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._target = target
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Starts the thread once; later calls (and calls after ``stop``) do nothing."""
        with self._lock:
            if self._thread is not None or self.stopping.is_set():
                return
            self._thread = threading.Thread(target=self._target, name=self.name, daemon=True)
            self._thread.start()

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> bool:
        """Sets ``stopping`` and waits up to ``timeout`` s; True when the thread has ended
        (or never started)."""
        self.stopping.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        return not thread.is_alive()
