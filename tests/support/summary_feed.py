"""A fleet of remote hosts as a web process on PostgreSQL hears them when it watches none:
their summaries on the hub's board (the relay's summary channel), never whole samples."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from app.hub import LiveHub
from app.hub.summary import Summary


def summary_values(host: str) -> dict[str, Any]:
    """A host tile's values; the CPU follows the digits that end the host's name."""
    digits = "".join(ch for ch in host if ch.isdigit())[-3:] or "0"
    return {"interval_s": 1.0, "cpu": int(digits) % 100 + 0.5, "memory": 40.0,
            "disk_full": 50.0, "disk_bps": 2048.0, "net_bps": 4096.0, "uptime_s": 3600,
            "cores": 4}  # fmt: skip


class SummaryFeed:
    """Puts a fresh summary of every host in ``hosts`` on ``hub``'s board once a second, from
    a thread; the ``silent`` ones only once, at the start."""

    def __init__(self, hub: LiveHub, hosts: Iterable[str], silent: Iterable[str] = ()) -> None:
        self.board = hub.summaries
        self.hosts = list(hosts)
        self.silent = set(silent)
        self.stopped = threading.Event()
        now = time.time()
        for host in self.silent:
            self.board.put(Summary(host, now - 600, 0, summary_values(host)))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = 1
        while not self.stopped.is_set():
            now = time.time()
            for host in self.hosts:
                if host not in self.silent:
                    self.board.put(Summary(host, now, seq, summary_values(host)))
            seq += 1
            self.stopped.wait(1.0)

    def close(self) -> None:
        self.stopped.set()
        self._thread.join(5)
