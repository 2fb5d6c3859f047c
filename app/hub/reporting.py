"""When a host counts as still reporting: the one rule the API, readiness and the overview share.

Freshness is measured on this process's monotonic clock, from when each host's newest sample
arrived here (``LastHeard``, a publish hook of the hub), not by comparing the sample's ``ts``
with the wall clock: a sample's time is its host's wall clock, which may step (suspend and
resume, NTP) or differ from ours, and a step must never make a healthy host look dead (or a
dead one alive). Only a host known from the database alone is judged by its stored time.
``HostReports`` applies the rule to every host known live or stored, with each host's own
interval: ``/api/v1/hosts``, ``/api/v1/overview`` (the hosts page), ``/readyz`` and the live
page's host picker all answer from it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.hub.live_hub import LiveHub, Message
from app.hub.summary import Summary

SILENT_INTERVALS = 3  # intervals without a sample before a host counts as not reporting
GRACE_S = 1.0  # on top: a sample a little late (a slow tick, the relay's delay) is not silence


def still_reporting(age_s: float, interval_s: float) -> bool:
    """True while the newest sample, ``age_s`` old, is within three of the host's intervals."""
    return age_s <= SILENT_INTERVALS * interval_s + GRACE_S


class LastHeard:
    """When each host's newest sample was published here, on ``clock`` (monotonic).

    Add it to a hub with ``LiveHub.add_publish_hook`` and to its board of summaries
    (``LiveHub.summaries.add_hook``): ``age(host)`` is then the seconds since that host was last
    heard of (local samples, relayed whole samples and relayed summaries alike), None if never.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._heard: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, message: Message | Summary) -> None:
        now = self._clock()
        with self._lock:
            self._heard[message.host] = now

    def age(self, host: str) -> float | None:
        """Seconds since ``host``'s newest sample arrived (never negative), or None."""
        with self._lock:
            heard = self._heard.get(host)
        return None if heard is None else max(0.0, self._clock() - heard)


@dataclass(frozen=True)
class HostReport:
    """Whether one host still reports, and from what: the answer every page and API gives."""

    host: str
    last_ts: float  # its newest sample's own time (its host's clock), live or stored
    age_s: float  # seconds since that sample: since it arrived here, or by its stored time
    interval_s: float  # the host's own interval (the reader's when the host never said)
    reporting: bool
    live: bool  # heard through this process's hub (else known from the database alone)


def judge(host: str, *, heard_age: float | None, last_ts: float, interval_s: float | None,
          default_interval: float, now: float) -> HostReport:  # fmt: skip
    """The one rule: reporting while the newest sample is within three of the host's intervals
    (``still_reporting``); its age since it arrived here (``LastHeard``) when it came through
    the hub, else ``now`` (the wall clock) minus its stored time."""
    interval = interval_s if interval_s and interval_s > 0 else default_interval
    age = heard_age if heard_age is not None else max(0.0, now - last_ts)
    return HostReport(host, last_ts, round(age, 3), interval, still_reporting(age, interval),
                      heard_age is not None)  # fmt: skip


class HostReports:
    """Every host known live (``hub``, ``heard``) or stored, judged by ``judge``.

    ``stored`` is ``MetricStore.host_info()``'s answer (host -> {"last_ts", "interval_s"}),
    or None when the database cannot say. A live host's time and interval come from its newest
    summary (``LiveHub.summaries``), else from its newest message's health section (parsed
    once per message).
    """

    def __init__(self, hub: LiveHub, heard: LastHeard, default_interval: float) -> None:
        self._hub = hub
        self._heard = heard
        self._default_interval = default_interval
        self._intervals: dict[str, tuple[Message, float | None]] = {}
        self._lock = threading.Lock()

    def _interval_of(self, message: Message) -> float | None:
        with self._lock:
            known = self._intervals.get(message.host)
            if known is None or known[0] is not message:
                health = json.loads(message.payload).get("health") or {}
                known = (message, health.get("interval_s"))
                self._intervals[message.host] = known
            return known[1]

    def _newest(self, host: str) -> tuple[float, float | None] | None:
        """The time and interval of ``host``'s newest sample heard here: by its summary
        (every host, on the board) or by its whole message; None if neither."""
        summary = self._hub.summaries.latest(host)
        message = self._hub.latest(host)
        if summary is not None and (message is None or message.ts <= summary.ts):
            return summary.ts, summary.values.get("interval_s")
        if message is not None:
            return message.ts, self._interval_of(message)
        return None

    def reports(self, stored: dict[str, dict] | None, now: float) -> dict[str, HostReport]:
        """Host -> its report, for every host live or in ``stored``."""
        found: dict[str, HostReport] = {}
        for host, info in (stored or {}).items():
            found[host] = judge(host, heard_age=None, last_ts=info["last_ts"],
                                interval_s=info.get("interval_s"),
                                default_interval=self._default_interval, now=now)  # fmt: skip
        for host in self._hub.hosts():
            heard = self._heard.age(host)
            newest = self._newest(host)
            if newest is None or heard is None:
                continue
            ts, interval = newest
            last_ts = max(ts, found[host].last_ts if host in found else ts)
            found[host] = judge(host, heard_age=heard, last_ts=last_ts, interval_s=interval,
                                default_interval=self._default_interval, now=now)  # fmt: skip
        return dict(sorted(found.items()))
