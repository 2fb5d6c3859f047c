"""The PostgreSQL side of a monitor: the relay (NOTIFY and LISTEN) and the elections of this
host's sampler and of the silent-host watchdog (``app.cluster``).

``app.runtime.monitor`` imports this module only when its store is PostgreSQL, so a process on
SQLite never loads psycopg2 (about 4.6 MB of a worker).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cluster.election import SamplerElection
from app.cluster.pg import connector, election_application_name
from app.cluster.relay import PgListener, PgNotifier, holder_silent, successor_ready
from app.runtime.alerting import WATCHDOG_HOST

if TYPE_CHECKING:
    from app.runtime.monitor import Monitor

__all__ = ["PgListener", "PgNotifier", "SamplerElection", "start_relay", "start_watchdog"]


def start_watchdog(monitor: Monitor, watch: Callable[[bool], None]) -> SamplerElection:
    """The election of the one web process that watches for silent hosts, started: ``watch``
    is called with True when this process is elected, False when it is demoted."""
    watchdog = SamplerElection(
        connector(monitor.store.engine),
        WATCHDOG_HOST,
        interval=monitor.config.interval,
        on_elected=lambda: watch(True),
        on_demoted=lambda: watch(False),
    )
    watchdog.start()
    return watchdog


def start_relay(
    monitor: Monitor,
    *,
    listen: bool,
    on_elected: Callable[[], None],
    on_demoted: Callable[[], None],
) -> None:
    """Starts ``monitor``'s notifier, its listener (``listen``: a web process) and the
    election of this host's sampler, which calls ``on_elected`` and ``on_demoted``."""
    connect = connector(monitor.store.engine)
    monitor.notifier = PgNotifier(connect, queue_size=monitor.config.subscriber_queue)
    monitor.notifier.start()
    if listen:
        monitor.listener = PgListener(connect, monitor.hub, own_host=monitor.config.hostname)
        monitor.listener.start()
    application_name = election_application_name()
    monitor.election = SamplerElection(
        connector(monitor.store.engine, application_name),
        monitor.config.hostname,
        interval=monitor.config.interval,
        on_elected=on_elected,
        on_demoted=on_demoted,
        may_compete=lambda: may_compete(monitor),
        holder_silent=lambda: sampler_silent(monitor),
        application_name=application_name,
    )
    monitor.election.start()


def may_compete(monitor: Monitor) -> bool:
    """A web process competes to sample once it holds the relayed samples a successor must
    store (see ``app.cluster.successor_ready``); an agent (no listener) always does. A
    process on its way out (``stop_sampling``) never does."""
    if monitor.stopping:
        return False
    if monitor.listener is None:
        return True
    interval = monitor.config.interval
    return successor_ready(
        monitor.listener,
        monitor.config.hostname,
        history=monitor.config.batch_interval + 2 * interval,
        silence=2 * interval,
    )


def sampler_silent(monitor: Monitor) -> bool:
    """Whether the process holding this host's sampler lock has relayed nothing for five
    intervals (then it is ended: see ``SamplerElection``); agents cannot tell."""
    if monitor.listener is None:
        return False
    return holder_silent(
        monitor.listener, monitor.config.hostname, silence=5 * monitor.config.interval
    )
