"""Issue 15's must-show: 200 hosts fit a default PostgreSQL (max_connections = 100).

200 simulated agents (``bench.fleet_hosts``: each with the agent's own engine, writer and
notifier, no election) write and relay through a throwaway PgBouncer in transaction pooling
mode into a fresh database of the test's own (they create its schema, all at once, through
PgBouncer), while a dashboard's ``PgListener`` listens directly on the server. Every sample of
every host must be stored and relayed (every host's summary, and the whole samples of the hosts
the dashboard watches), and the sessions on the database, counted in
``pg_stat_activity`` all along, must stay at PgBouncer's pool plus the listener: far from the
server's limit, whatever the number of hosts.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import psycopg2
import pytest

from app.cluster.pg import connector
from app.cluster.relay import PgListener
from app.hub import LiveHub
from bench.fleet import figures
from bench.fleet_hosts import Fleet
from bench.pg_watch import SessionWatch
from storage.engine import make_engine
from tests.support.pgbouncer import POOL_SIZE, pgbouncer
from tests.support.polling import wait_for
from tests.support.postgres import temporary_database

HOSTS = 200
WATCHED = ("sim-0000", "sim-0199")  # hosts a browser follows: their whole samples come too
TICKS = 12
INTERVAL = 0.5  # seconds between the fleet's ticks
TEMPLATE = {"cpu": {"total": 12.5, "per_core": [10.0, 15.0]}, "memory": {"percent": 40.0}}


def complete(listener: PgListener) -> int:
    """Hosts whose every summary, and whole samples where watched, the listener received."""
    summaries = dict(listener.summaries_received)
    whole = dict(listener.whole_received)
    return sum(
        1
        for host, count in summaries.items()
        if count >= TICKS and (host not in WATCHED or whole.get(host, 0) >= TICKS)
    )


def stored_per_host(url: str) -> dict[str, int]:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT h.name, count(*) FROM monitor_samples s"
                " JOIN monitor_hosts h ON h.id = s.host_id GROUP BY h.name"
            )
            return dict(cursor.fetchall())
    finally:
        connection.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    with temporary_database() as url:
        yield url


def test_two_hundred_hosts_through_pgbouncer_stay_far_below_max_connections(
    database_url: str,
) -> None:
    base, name = database_url.rsplit("/", 1)
    watch = SessionWatch(f"{base}/postgres", name)
    max_connections = int(watch.show("max_connections"))
    engine = make_engine(database_url)
    hub = LiveHub(backlog_size=10)
    for host in WATCHED:
        hub.watched.watch(host)
    listener = PgListener(connector(engine), hub, origin="dashboard")  # directly: LISTEN
    listener.start()
    with pgbouncer(database_url) as pooled:
        fleet = Fleet(pooled, HOSTS, TEMPLATE, batch_interval=1.0)
        try:
            wait_for(listener.listening.is_set, message="LISTEN")
            watch.start()
            fleet.start()
            start = time.time()
            for seq in range(TICKS):  # the fleet's cadence, on the wall clock
                threading.Event().wait(max(0.0, start + seq * INTERVAL - time.time()))
                fleet.tick(seq, round(start + seq * INTERVAL, 3))
            wait_for(
                lambda: complete(listener) == HOSTS,
                timeout=60,
                interval=0.1,
                message=f"every sample relayed ({complete(listener)} hosts complete)",
            )
        finally:
            flushed = fleet.stop(timeout=30)
            watch.stop()
            listener.stop()
            engine.dispose()
    assert flushed
    stored = stored_per_host(database_url)
    assert len(stored) == HOSTS and set(stored.values()) == {TICKS}
    summaries = dict(listener.summaries_received)  # every host's, exactly once each
    assert len(summaries) == HOSTS and set(summaries.values()) == {TICKS}
    assert dict(listener.whole_received) == dict.fromkeys(WATCHED, TICKS)
    print(f"\npeak sessions: {watch.peak} on the fleet's database, {watch.peak_server} in all")
    assert 2 <= watch.peak <= POOL_SIZE + 1  # PgBouncer's pool and the listener
    assert watch.peak < max_connections // 4


def test_pgbouncer_refuses_a_search_path_in_the_url(database_url: str) -> None:
    """Why the fleet's test and benchmark use a database of their own, not a schema."""
    with pgbouncer(database_url) as pooled:
        with pytest.raises(psycopg2.OperationalError, match="unsupported startup parameter"):
            psycopg2.connect(f"{pooled}?options=-csearch_path%3Dpublic")
        psycopg2.connect(pooled).close()


def test_the_fleet_report_says_na_when_nothing_arrived() -> None:
    """bench.fleet's report once failed with an IndexError when no sample was relayed."""
    args = argparse.Namespace(hosts=20)
    watch = SimpleNamespace(server_cpu=lambda: None, peak=0, peak_server=0)
    outcome = {
        "written": 0,
        "ticks": 3,
        "max_lag": 0.0,
        "cpu": 0.1,
        "write_seconds": 0.0,
        "used": 0,
        "latency_ms": {"summary": np.array([]), "whole": np.array([])},
        "watched": 1,
        "watch": watch,
        "max_connections": "100",
        "listener_share": 0.0,
    }
    rows = dict(figures(args, outcome))
    assert rows["NOTIFY delivery p50 / p99, summaries"] == "n/a / n/a"
    assert rows["samples stored / expected"] == "0 / 60"
