"""Simulated remote agents: samples of other hosts published into a server's hub.

On PostgreSQL the samples of remote hosts reach every web process's hub through the NOTIFY
relay (``app.cluster.PgListener`` calls ``hub.publish``); publishing into ``monitor.hub`` from a
thread is therefore exactly what the pages see of a remote agent.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from app.hub import LiveHub
from tests.support.samples import make_sample


@dataclass
class RemoteHost:
    """One simulated host: its name, cadence and a constant, recognisable CPU total."""

    name: str
    interval: float
    cpu: float
    backlog: int = 0  # samples published at once, dated before the start (a filled backlog)
    seq: int = field(default=0, init=False)
    last_ts: float = field(default=-math.inf, init=False)


def remote_sample(host: RemoteHost, seq: int, ts: float) -> dict[str, Any]:
    """A full sample of ``host`` (two cores, storage healthy) with CPU total ``host.cpu``."""
    sample = make_sample(seq, host=host.name)
    sample["ts"] = ts
    sample["cpu"]["total"] = host.cpu
    sample["system"]["hostname"] = host.name
    sample["health"] = {
        "interval_s": host.interval,
        "lag_ms": 0.5,
        "collect_total_ms": 2.0,
        "skipped_ticks": 0,
        "dropped_live": 0,
        "buffer_depth": 0,
        "write_errors": 0,
        "stored_samples": seq,
        "storage_ok": True,
        "storage_error": None,
        "subscribers": 0,
    }
    return sample


class RemoteAgents:
    """Publishes each host's sample into ``hub`` once per its interval, from one thread.

    Timestamps are whole multiples of the host's interval, as a real sampler's are. ``stop_host``
    makes one host fall silent (it stops reporting); ``close`` ends the thread.
    """

    def __init__(self, hub: LiveHub, hosts: list[RemoteHost]) -> None:
        self.hub = hub
        self.hosts = {host.name: host for host in hosts}
        self._silent: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        now = time.time()
        for host in hosts:
            slot = math.floor(now / host.interval) * host.interval
            for back in range(host.backlog, 0, -1):
                self._publish(host, round(slot - back * host.interval, 6))
        self._thread = threading.Thread(target=self._run, name="remote-agents", daemon=True)
        self._thread.start()

    def _publish(self, host: RemoteHost, ts: float) -> None:
        host.seq += 1
        host.last_ts = ts
        self.hub.publish(remote_sample(host, host.seq, ts))

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            wake = math.inf
            with self._lock:
                active = [h for name, h in self.hosts.items() if name not in self._silent]
            for host in active:
                slot = round(math.floor(now / host.interval) * host.interval, 6)
                if slot > host.last_ts:
                    self._publish(host, slot)
                wake = min(wake, slot + host.interval)
            self._stop.wait(max(0.01, min(wake, now + 1.0) - time.time()))

    def stop_host(self, name: str) -> None:
        """``name`` publishes nothing from now on."""
        with self._lock:
            self._silent.add(name)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def __enter__(self) -> RemoteAgents:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
