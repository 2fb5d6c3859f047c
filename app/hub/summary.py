"""Host summaries: the dozen numbers of a sample that the fleet overview shows, per host.

A whole sample is about 9.5 KB of JSON; the overview (``/hosts``, ``assets/overview.js``) draws
five values, a CPU sparkline and whether the host still reports (its interval). ``summarize``
takes those from a sample; ``HostBoard`` keeps the newest summary of every host and its recent
CPU values. On PostgreSQL every web process hears every host's summary on the relay's summary
channel, while whole samples travel only to the processes that watch their host
(``app.cluster``): the overview, the host list and the silence rules read the board.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
SPARK_POINTS = 120  # CPU values a host's sparkline keeps
# The values a summary carries, beside its identity (host, ts, seq).
VALUES = ("interval_s", "cpu", "memory", "disk_full", "disk_bps", "net_bps", "uptime_s", "cores")


@dataclass(frozen=True, slots=True)
class Summary:
    """One sample's summary: its identity and ``values`` (the keys of ``VALUES``, None when
    the sample lacks them)."""

    host: str
    ts: float
    seq: int
    values: dict[str, Any] = field(compare=False)


def summarize(sample: dict[str, Any]) -> Summary:
    """The summary of ``sample``: its identity and the values a host tile shows."""
    cpu = sample.get("cpu") or {}
    memory = sample.get("memory") or {}
    disks = sample.get("disks") or {}
    network = (sample.get("network") or {}).get("total") or {}
    usage = disks.get("usage") or []
    fullest = max((d.get("percent") or 0 for d in usage), default=None)
    disk_io = disks.get("total") or {}
    system = sample.get("system") or {}
    values = {
        "interval_s": (sample.get("health") or {}).get("interval_s"),
        "cpu": cpu.get("total"),
        "memory": memory.get("percent"),
        "disk_full": fullest,
        "disk_bps": (disk_io.get("read_bps") or 0) + (disk_io.get("write_bps") or 0),
        "net_bps": (network.get("rx_bps") or 0) + (network.get("tx_bps") or 0),
        "uptime_s": system.get("uptime_s"),
        "cores": system.get("cores_logical"),
    }
    return Summary(str(sample.get("host", "")), float(sample["ts"]), int(sample.get("seq", 0)),
                   values)  # fmt: skip


def summarize_text(host: str, ts: float, seq: int, payload: str) -> Summary:
    """The summary of a serialized sample with this identity; its values are None where the
    payload is not a JSON object or lacks them."""
    try:
        sample = json.loads(payload)
    except ValueError:
        sample = None
    if not isinstance(sample, dict):
        sample = {}
    return Summary(host, ts, seq, summarize({**sample, "ts": ts}).values)


class HostBoard:
    """The newest summary of each host and its recent CPU values; thread-safe.

    ``put`` calls each hook with the summary (``reporting.LastHeard``: when each host was last
    heard of), outside the board's lock; a hook that raises is logged and skipped. A summary
    of a sample already put (same ts and seq) is ignored.
    """

    def __init__(self, spark_points: int = SPARK_POINTS) -> None:
        self._latest: dict[str, Summary] = {}
        self._cpu: dict[str, deque[float | None]] = {}
        self._spark_points = spark_points
        self._hooks: list[Callable[[Summary], None]] = []
        self._lock = threading.Lock()

    def add_hook(self, hook: Callable[[Summary], None]) -> None:
        """Calls ``hook(summary)`` for every summary put from now on."""
        with self._lock:
            self._hooks.append(hook)

    def put(self, summary: Summary) -> None:
        """Makes ``summary`` its host's newest and adds its CPU to the host's sparkline."""
        with self._lock:
            known = self._latest.get(summary.host)
            if known is not None and (known.ts, known.seq) == (summary.ts, summary.seq):
                return
            self._latest[summary.host] = summary
            points = self._cpu.setdefault(summary.host, deque(maxlen=self._spark_points))
            points.append(summary.values.get("cpu"))
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook(summary)
            except Exception:  # a broken hook must not stop the relay or the sampler
                log.exception("summary hook %r failed", hook)

    def latest(self, host: str) -> Summary | None:
        with self._lock:
            return self._latest.get(host)

    def spark(self, host: str) -> list[float | None]:
        """``host``'s recent CPU values, oldest first."""
        with self._lock:
            return list(self._cpu.get(host, ()))

    def hosts(self) -> list[str]:
        with self._lock:
            return sorted(self._latest)
