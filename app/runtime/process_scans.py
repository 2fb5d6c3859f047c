"""Where the whole process list of this host comes from, for ``GET /api/v1/processes``.

The process that samples the host has it for free: its processes collector keeps each tick's
whole scan (``collectors.process_table``). On PostgreSQL the other web workers of the host
follow (another worker samples); the full list is too big to relay, but it is this machine's, so
a follower scans it itself, only while someone searches and at most once per interval
(``FollowerScans``): the first answer's CPU figures are 0.0 (no previous scan to compare with),
the next ones are CPU since the previous search's scan.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psutil

from collectors.process_table import ProcessTable
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader, linux_proc_root


class FollowerScans:
    """A scan of this host's processes, at most once per ``interval``, made when asked."""

    def __init__(
        self,
        interval: float,
        *,
        hide_cmdline: bool,
        mask_secrets: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._interval = interval
        self._hide_cmdline = hide_cmdline
        self._mask_secrets = mask_secrets
        self._clock = clock
        self._collector: ProcessesCollector | None = None
        self._at = -float("inf")
        self._lock = threading.Lock()

    def table(self) -> ProcessTable:
        """The table of the newest scan, scanning first when the last is an interval old."""
        with self._lock:
            if self._collector is None:
                root = linux_proc_root(psutil)
                self._collector = ProcessesCollector(
                    top_n=0,  # the scan only: no top rows, no detail reads
                    hide_cmdline=self._hide_cmdline,
                    mask_secrets=self._mask_secrets,
                    procfs=ProcfsReader(root, self._clock) if root is not None else None,
                    clock=self._clock,
                )
            now = self._clock()
            if now - self._at >= self._interval:
                self._at = now
                self._collector.collect()
            return self._collector.table
