"""The worker's C heap: glibc's allocator told to give memory back, where glibc is the libc.

A worker's threads (one per WebSocket, some for plain HTTP) each get a malloc arena of their
own, up to eight per core, and glibc keeps what is freed in an arena for reuse: large
short-lived buffers (brotli compressing a script bundle, a history read) leave megabytes
behind in several arenas. Measured on the live page's first load: 37 MiB of the worker's RSS,
of which a trim gave back 18 MiB (docs/benchmarks.md, "A lean worker").

- ``limit_arenas`` (gunicorn.conf.py's ``post_fork``, before the worker's threads start): at
  most ``ARENAS`` arenas, and a fixed mmap threshold, so that a buffer of more than
  ``MMAP_THRESHOLD`` bytes is mapped on its own and unmapped when freed (glibc otherwise raises
  the threshold after the first such free, and later large buffers stay in the heap).
- ``HeapTrim``: ``malloc_trim(0)`` at most once a ``period_s``, as the sampler's last sink:
  the free pages inside every arena are handed back to the kernel.

Elsewhere (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 256 * 1024
TRIM_PERIOD_S = 60.0


def _glibc() -> ctypes.CDLL | None:
    """The process's libc when it is glibc (it has ``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def limit_arenas(libc: ctypes.CDLL | None = None) -> bool:
    """At most ``ARENAS`` malloc arenas and a fixed mmap threshold; True where applied."""
    libc = libc or _glibc()
    if libc is None:
        return False
    applied = libc.mallopt(M_ARENA_MAX, ARENAS) == 1
    return libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and applied


class HeapTrim:
    """Hands the C heap's free pages back to the kernel, at most once a ``period_s``."""

    def __init__(
        self,
        period_s: float = TRIM_PERIOD_S,
        clock: Callable[[], float] = time.monotonic,
        libc: ctypes.CDLL | None = None,
    ) -> None:
        self._libc = libc if libc is not None else _glibc()
        self._period_s = period_s
        self._clock = clock
        self._due = clock() + period_s
        self.trims = 0

    def __call__(self, _sample: object) -> None:
        """A sampler sink: trims after a tick when it is due."""
        self.maybe_trim()

    def maybe_trim(self) -> bool:
        """Trims when the period has passed since the last trim; True when it did."""
        if self._libc is None or self._clock() < self._due:
            return False
        self._libc.malloc_trim(0)
        self._due = self._clock() + self._period_s
        self.trims += 1
        return True
