"""Per-host summaries for the fleet overview: current key values and a short CPU history.

Built incrementally from the hub's backlog: each request parses only the messages that arrived
since the previous one (found by position in the backlog, not by time: after a host's wall clock
steps back its new samples carry earlier times), so the cost does not grow with the number of
requests. Whether a host still reports is judged by when its newest sample arrived
(``app.hub.reporting.LastHeard``), when the summaries are given that.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from typing import Any

from app.hub import LiveHub, Message
from app.hub.reporting import LastHeard, still_reporting

SPARK_POINTS = 120


def summarize(sample: dict[str, Any]) -> dict[str, Any]:
    """The few values a host tile shows."""
    cpu = sample.get("cpu") or {}
    memory = sample.get("memory") or {}
    disks = sample.get("disks") or {}
    network = (sample.get("network") or {}).get("total") or {}
    usage = disks.get("usage") or []
    fullest = max((d.get("percent") or 0 for d in usage), default=None)
    disk_io = disks.get("total") or {}
    return {
        "ts": sample.get("ts"),
        "interval_s": (sample.get("health") or {}).get("interval_s"),
        "cpu": cpu.get("total"),
        "memory": memory.get("percent"),
        "disk_full": fullest,
        "disk_bps": (disk_io.get("read_bps") or 0) + (disk_io.get("write_bps") or 0),
        "net_bps": (network.get("rx_bps") or 0) + (network.get("tx_bps") or 0),
        "uptime_s": (sample.get("system") or {}).get("uptime_s"),
        "cores": (sample.get("system") or {}).get("cores_logical"),
    }


class HostSummaries:
    """Latest summary and recent CPU values per host, updated from the hub on demand."""

    def __init__(
        self, hub: LiveHub, default_interval: float, heard: LastHeard | None = None
    ) -> None:
        self._hub = hub
        self._default_interval = default_interval
        self._heard = heard
        self._latest: dict[str, dict[str, Any]] = {}
        self._cpu: dict[str, deque[tuple[float, float | None]]] = {}
        self._last: Message | None = None  # the newest message parsed
        self._identity: dict[str, tuple[float, int]] = {}  # per host: ts and seq of the newest
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Parses the messages published since the last refresh."""
        with self._lock:
            backlog = self._hub.backlog()
            start = 0
            for position in range(len(backlog) - 1, -1, -1):
                if backlog[position] is self._last:
                    start = position + 1
                    break
            for message in backlog[start:]:
                self._last = message
                if self._identity.get(message.host) == (message.ts, message.seq):
                    continue  # the same sample published again
                self._identity[message.host] = (message.ts, message.seq)
                summary = summarize(json.loads(message.payload))
                self._latest[message.host] = summary
                points = self._cpu.setdefault(message.host, deque(maxlen=SPARK_POINTS))
                points.append((message.ts, summary["cpu"]))

    def overview(self, now: float | None = None) -> list[dict[str, Any]]:
        """One entry per host seen live, with ``reporting`` False after 3 silent intervals."""
        self.refresh()
        now = time.time() if now is None else now
        with self._lock:
            hosts = []
            for host, summary in sorted(self._latest.items()):
                interval = summary["interval_s"] or self._default_interval
                heard = self._heard.age(host) if self._heard is not None else None
                age = heard if heard is not None else now - summary["ts"]
                hosts.append(
                    {
                        "host": host,
                        **summary,
                        "age_s": round(age, 3),
                        "reporting": still_reporting(age, interval),
                        "spark": [v for _, v in self._cpu[host]],
                    }
                )
            return hosts
