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
from app.cluster.pooled import pooled_connector
from app.cluster.relay import PgListener, PgNotifier, holder_silent, successor_ready
from app.runtime.alerting import WATCHDOG_HOST

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from app.runtime.monitor import Monitor

__all__ = [
    "PgListener",
    "PgNotifier",
    "SamplerElection",
    "agent_notifier",
    "start_relay",
    "start_watchdog",
]


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


def agent_notifier(engine: Engine, *, queue_size: int, origin: str | None = None) -> PgNotifier:
    """An agent's notifier: its NOTIFYs go through ``engine``'s pooled connection, the one the
    writer uses, one transaction each (``app.cluster.pooled``), so an agent holds no
    connection of its own for the relay and works through PgBouncer's transaction pooling."""
    return PgNotifier(pooled_connector(engine), queue_size=queue_size, origin=origin)


def start_relay(
    monitor: Monitor,
    *,
    listen: bool,
    on_elected: Callable[[], None],
    on_demoted: Callable[[], None],
    agent: bool = False,
) -> None:
    """Starts ``monitor``'s notifier, its listener (``listen``: a web process) and the
    election of this host's sampler, which calls ``on_elected`` and ``on_demoted``.

    An ``agent`` relays through its store's pooled connection and, unless its configuration
    says another process may sample under its host name (``shared_hostname``), is this host's
    sampler without an election: no session, no lock, no connection held for it."""
    connect = connector(monitor.store.engine)
    queue_size = monitor.config.subscriber_queue
    if agent:
        monitor.notifier = agent_notifier(monitor.store.engine, queue_size=queue_size)
    else:
        monitor.notifier = PgNotifier(connect, queue_size=queue_size)
    monitor.notifier.start()
    if agent and not monitor.config.shared_hostname:
        on_elected()
        return
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
