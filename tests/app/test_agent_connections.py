"""An agent's connections: one pooled connection for writing and relaying, no election unless
its host name is shared, no history job unless asked (real PostgreSQL)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import psycopg2
import pytest

from app.cli.main import config_from_args, parse
from app.cluster.pg import connector
from app.cluster.pooled import PooledConnection
from app.cluster.relay import PgListener
from app.config import Config
from app.hub import LiveHub, Message
from app.runtime.coordination import agent_notifier
from app.runtime.monitor import Monitor
from storage import cursors
from storage.engine import agent_pool, make_engine
from tests.support.counting import count_samples, drain
from tests.support.polling import wait_for
from tests.support.postgres import temporary_database
from tests.support.throwaway_postgres import free_port

INTERVAL = 0.2


class FixedCollector:
    name = "cpu"
    METRICS = {"total": ("%", "CPU busy")}

    def collect(self) -> dict[str, Any]:
        return {"total": 42.0}


@pytest.fixture
def database_url() -> Iterator[str]:
    """A database of the test's own, so that its sessions can be counted."""
    with temporary_database() as url:
        yield url


def sessions(database_url: str) -> int:
    """The server's sessions on ``database_url``'s database, counted from another one."""
    base, name = database_url.rsplit("/", 1)
    connection = psycopg2.connect(f"{base}/postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,))
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def listened(database_url: str) -> Iterator[tuple[LiveHub, Any]]:
    """A dashboard's listener on the database, watching the tests' hosts, and a subscription
    to what it publishes."""
    engine = make_engine(database_url)
    hub = LiveHub()
    for host in ("pooled-host", "killed-host", "agent-box"):  # whole samples: watched only
        hub.watched.watch(host)
    subscription = hub.subscribe(maxsize=10_000)
    listener = PgListener(connector(engine), hub, origin="dashboard")
    listener.start()
    wait_for(listener.listening.is_set, message="LISTEN")
    yield hub, subscription
    listener.stop()
    engine.dispose()


def test_the_relay_and_the_writer_share_one_pooled_connection(database_url, listened) -> None:
    _, subscription = listened
    engine = make_engine(database_url, **agent_pool(database_url))
    notifier = agent_notifier(engine, queue_size=1000, origin="agent")
    notifier.start()
    try:
        for seq in range(30):
            notifier.submit(Message("pooled-host", 100.0 + seq, seq, json.dumps({"seq": seq})))
        wait_for(lambda: len(subscription) == 30, message="30 relayed messages")
        assert [m.seq for m in drain(subscription)] == list(range(30))
        # Between transactions the connection is back in the pool, the only one it opened.
        wait_for(lambda: engine.pool.checkedout() == 0, message="the connection given back")
        assert engine.pool.checkedin() == 1
        with engine.begin() as conn:  # the writer gets the same connection meanwhile
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        assert engine.pool.checkedin() == 1
    finally:
        notifier.stop()
        engine.dispose()


def test_the_relay_goes_on_after_its_connection_is_killed(database_url, listened) -> None:
    """A server that ends the agent's session (a restart, an administrator): the pool's
    connection is replaced and nothing queued is lost."""
    _, subscription = listened
    engine = make_engine(database_url, **agent_pool(database_url))
    notifier = agent_notifier(engine, queue_size=1000, origin="agent")
    notifier.start()
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        notifier.submit(Message("killed-host", 1.0, 0, "{}"))
        wait_for(lambda: len(subscription) == 1, message="the first message")
        with engine.connect() as conn:  # the pool's one connection, the relay's too
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        for seq in range(1, 11):
            notifier.submit(Message("killed-host", 1.0 + seq, seq, "{}"))
        wait_for(lambda: len(subscription) == 11, message="every message after the kill")
        assert [m.seq for m in drain(subscription)] == list(range(11))
    finally:
        admin.close()
        notifier.stop()
        engine.dispose()


def test_a_pooled_connection_fails_with_psycopg2_errors() -> None:
    """The notifier retries psycopg2's errors; SQLAlchemy's would end its thread."""
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/none"
    engine = make_engine(url, **agent_pool(url))
    connection = PooledConnection(engine)
    with pytest.raises(psycopg2.OperationalError), connection.cursor():
        pass
    connection.close()
    engine.dispose()


def agent_monitor(database_url: str, **settings: Any) -> Monitor:
    config = Config(database_url=database_url, hostname="agent-box", interval=INTERVAL, **settings)
    config = config.with_overrides(batch_interval=0.2, alerts_enabled=False)
    return Monitor(config, agent=True, collector_factory=lambda _config: [FixedCollector()])


def test_an_agent_samples_without_election_or_history_job(
    database_url, listened, monkeypatch
) -> None:
    """Nor server-side cursors (storage.cursors: history reads), which hold a transaction."""
    hub, _ = listened
    streamed: list[object] = []
    for module in list(sys.modules.values()):  # every module that took it by name
        if getattr(module, "stream_rows", None) is cursors.stream_rows:
            monkeypatch.setattr(module, "stream_rows", lambda *args: streamed.append(args))
    monitor = agent_monitor(database_url)
    monitor.start()
    try:
        wait_for(lambda: count_samples(monitor.store, "agent-box") >= 3, message="stored")
        wait_for(lambda: hub.latest("agent-box") is not None, message="relayed")
        assert monitor.election is None and monitor.listener is None
        assert monitor.maintainer.runs == 0  # (a started one passes at once)
        pool = monitor.store.engine.pool
        assert pool.checkedin() + pool.checkedout() == 1  # writer and relay: one connection
        assert sessions(database_url) == 2  # and no other: the agent's and the listener's
        assert streamed == []
    finally:
        assert monitor.stop(5)


def test_a_shared_host_name_elects_and_maintenance_is_asked_for(database_url) -> None:
    monitor = agent_monitor(database_url, shared_hostname=True, agent_maintenance=True)
    monitor.start()
    try:
        wait_for(lambda: monitor.running, message="elected")
        assert monitor.election is not None and monitor.election.leader
        wait_for(lambda: monitor.maintainer.runs >= 1, message="a history pass")
    finally:
        assert monitor.stop(5)


def test_the_agent_flags() -> None:
    config = config_from_args(parse(["agent", "--shared-hostname", "--maintenance"]))
    assert config.shared_hostname and config.agent_maintenance
    config = config_from_args(parse(["agent"]))
    assert not config.shared_hostname and not config.agent_maintenance
    environ = {"MONITOR_SHARED_HOSTNAME": "1", "MONITOR_AGENT_MAINTENANCE": "yes"}
    config = Config.from_env(environ)
    assert config.shared_hostname and config.agent_maintenance
