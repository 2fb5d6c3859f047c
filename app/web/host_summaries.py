"""Per-host summaries for the fleet overview: current key values and a short CPU history.

Built incrementally from the hub's backlog: each request parses only the messages that arrived
since the previous one (found by position in the backlog, not by time: after a host's wall clock
steps back its new samples carry earlier times), so the cost does not grow with the number of
requests. Whether a host still reports is not judged here: ``overview`` is given every host's
report (``app.hub.reporting.HostReports``, the one rule), and a host known from the database
alone gets an entry without values.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

from app.hub import LiveHub, Message
from app.hub.reporting import HostReport

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


EMPTY = tuple(summarize({}))  # the values of a host known from the database alone: None


class HostSummaries:
    """Latest summary and recent CPU values per host, updated from the hub on demand."""

    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub
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
            last = self._last  # the backlog replaces old messages by their thin form: same identity
            for position in range(len(backlog) - 1, -1, -1):
                m = backlog[position]
                if last is not None and (m.host, m.ts, m.seq) == (last.host, last.ts, last.seq):
                    start = position + 1
                    break
            for message in backlog[start:]:
                self._last = message
                if self._identity.get(message.host) == (message.ts, message.seq):
                    continue  # the same sample published again
                self._identity[message.host] = (message.ts, message.seq)
                summary = summarize(json.loads(message.payload))
                if message.whole or message.host not in self._latest:  # thin: CPU only
                    self._latest[message.host] = summary
                points = self._cpu.setdefault(message.host, deque(maxlen=SPARK_POINTS))
                points.append((message.ts, summary["cpu"]))

    def overview(self, reports: dict[str, HostReport]) -> list[dict[str, Any]]:
        """One entry per reported host, in name order: its values (None for a host known from
        the database alone), its CPU sparkline, its age and whether it still reports."""
        self.refresh()
        with self._lock:
            hosts = []
            for host, report in reports.items():
                summary = self._latest.get(host) or dict.fromkeys(EMPTY)
                hosts.append(
                    {
                        "host": host,
                        **summary,
                        "ts": report.last_ts,
                        "interval_s": report.interval_s,
                        "age_s": report.age_s,
                        "reporting": report.reporting,
                        "live": report.live,
                        "spark": [v for _, v in self._cpu.get(host, ())],
                    }
                )
            return hosts
