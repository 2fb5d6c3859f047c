"""Which whole samples this process holds current, and fetching one it does not.

On PostgreSQL a web process hears every host's summary but the whole samples only of its own
host and the hosts its connections watch (``app.cluster.listener``); the hub keeps the last
whole sample of a host nobody watches any more, which grows stale. ``current_hosts`` names the
hosts whose newest whole sample is current here; ``latest_whole`` gets a current one of any
host, watching it for up to ``wait_s`` when nobody here does. Without a listener (SQLite, or a
process that does not listen) the hub holds all there is.
"""

from __future__ import annotations

import time

from app.hub import Message
from app.runtime.monitor import Monitor


def current_hosts(monitor: Monitor) -> list[str]:
    """The hosts whose newest whole sample in the hub is current: their channel is listened,
    and this process's own host, whose channel is always listened once the listener is up and
    whose samples, before that, can only be this process's own sampler's."""
    hosts = monitor.hub.hosts()
    listener = monitor.listener
    if listener is None:
        return hosts
    own = monitor.config.hostname
    return [host for host in hosts if host in listener.listened or host == own]


def latest_whole(monitor: Monitor, host: str | None, wait_s: float) -> Message | None:
    """The newest whole sample of ``host`` (any host when None). For a host whose whole
    samples do not come here now, watches it and waits up to ``wait_s`` seconds for the next
    one; the hub's last one (maybe stale, maybe None) when none comes."""
    hub = monitor.hub
    listener = monitor.listener
    if listener is None or host is None or host in listener.listened:
        return hub.latest(host)
    with hub.watched.watching(host), hub.subscribe() as subscription:
        deadline = time.monotonic() + wait_s
        while (left := deadline - time.monotonic()) > 0:
            message = subscription.get(timeout=left)
            if message is not None and message.host == host and message.whole:
                return message
    return hub.latest(host)


def wait_for_host(monitor: Monitor, host: str | None) -> float:
    """How long ``latest_whole`` waits for ``host``: one and a half of its intervals (its
    summary says it; this server's own otherwise), at most ten seconds."""
    summary = monitor.hub.summaries.latest(host) if host is not None else None
    interval = summary.values.get("interval_s") if summary is not None else None
    if not isinstance(interval, int | float) or interval <= 0:
        interval = monitor.config.interval
    return min(10.0, 1.5 * interval)
