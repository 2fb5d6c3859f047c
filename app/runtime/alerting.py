"""Alerts in the serving process: the service, and who checks for hosts that went silent.

Threshold rules of a host are evaluated by the process that samples it (the sampler's sink),
so on PostgreSQL the sampler election also picks the one evaluator of each host; an agent
evaluates its own host. Hosts that stop reporting can only be seen by a process that hears every
host: on SQLite this one; on PostgreSQL the web process holding the watchdog lock (the same
advisory-lock election under a reserved name), so a silent host fires once, not once a worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine

from app.alerts.notify import Notifier
from app.alerts.rules import load_rules
from app.alerts.service import AlertService
from app.config import Config
from app.hub import LiveHub
from app.hub.reporting import LastHeard
from storage.alert_events import AlertEventStore

WATCHDOG_HOST = "*alerts-watchdog*"  # an election key no real host name can take


def alert_service_for(config: Config, engine: Engine) -> AlertService | None:
    """The alert service of this process (None when alerts are off). A bad rule file raises
    ``RuleError`` (a ``ConfigError``): the process must not start with half a rule set."""
    if not config.alerts_enabled:
        return None
    rule_set = load_rules(config.alerts_file or None, config.notify_urls)
    store = AlertEventStore(engine)
    notifier = Notifier(
        rule_set.routes,
        record_attempt=store.record_attempt,
        mark_notified=store.mark_notified,
        group_wait=rule_set.group_wait,
    )
    return AlertService(
        rule_set,
        store,
        notifier=notifier,
        public_url=config.public_url,
        queue_size=max(10, int(60 / config.interval)),
    )


def last_seen(
    hub: LiveHub, heard: LastHeard, wall_clock: Callable[[], float] = time.time
) -> Callable[[], dict[str, float]]:
    """Each host's last-heard time as a wall-clock time: now minus the seconds since its newest
    sample arrived here (``heard``, on the monotonic clock). A host whose clock is off, or a
    step of this host's clock, then never makes a reporting host look silent (nor a silent one
    look alive); a host heard of before this process started falls back to its sample's ``ts``."""

    def seen() -> dict[str, float]:
        now = wall_clock()
        out = {}
        for host in hub.hosts():
            age = heard.age(host)
            if age is not None:
                out[host] = now - age
                continue
            message = hub.latest(host)
            if message is not None:
                out[host] = message.ts
        return out

    return seen
