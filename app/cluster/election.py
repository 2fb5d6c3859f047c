"""The election: exactly one process samples each host (a PostgreSQL advisory lock).

The processes that could sample a host (gunicorn workers, agents started with
``--shared-hostname``) compete for a session-level advisory lock keyed by the host name; the
holder samples, the others follow. When the holder dies its session ends, the lock is free,
and a follower takes over at its next attempt (every half interval). While the database cannot
be reached nobody can be elected, so a process that cannot reach it samples anyway rather than
leave the host unwatched: duplicates cannot reach the database (one row per host and tick), and
once the database is back the lock decides again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions

from app.cluster.pg import _close, deployment_scope, election_application_name, sampler_lock_key
from lifecycle import BackgroundThread
from storage.outage import DatabaseOutage, database_outage

log = logging.getLogger(__name__)


class SamplerElection:
    """Decides whether this process samples ``host``; calls ``on_elected``/``on_demoted``."""

    def __init__(
        self,
        connect: Callable[[], Any],
        host: str,
        *,
        interval: float,
        on_elected: Callable[[], None],
        on_demoted: Callable[[], None],
        unreachable_grace: float | None = None,
        may_compete: Callable[[], bool] = lambda: True,
        holder_silent: Callable[[], bool] = lambda: False,
        application_name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        outage: DatabaseOutage = database_outage,
    ) -> None:
        self._connect = connect
        self._outage = outage
        self._part = f"the sampler election of {host}"
        self._may_compete = may_compete
        self._holder_silent = holder_silent
        self.application_name = application_name or election_application_name()
        self.key: int | None = None  # known once connected: it depends on the schema
        self.host = host
        self.poll = max(0.05, interval / 2)
        self.unreachable_grace = 2 * interval if unreachable_grace is None else unreachable_grace
        self._on_elected = on_elected
        self._on_demoted = on_demoted
        self._clock = clock
        self._connection: Any = None
        self._holds_lock = False
        self._unreachable_since: float | None = None
        self.leader = False
        self._thread = BackgroundThread("monitor-election", self.run)
        self._stop = self._thread.stopping

    def step(self) -> None:
        """One attempt: keep, take or give up the role according to the lock."""
        try:
            if self._connection is None:
                self._connection = self._connect()
                self._holds_lock = False
                self.key = sampler_lock_key(self.host, deployment_scope(self._connection))
            with self._connection.cursor() as cursor:
                if self._holds_lock or not self._may_compete():
                    cursor.execute("SELECT 1")
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                    self._holds_lock = bool(cursor.fetchone()[0])
                    if not self._holds_lock and self._evict_stale_holder(cursor):
                        cursor.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                        self._holds_lock = bool(cursor.fetchone()[0])
            self._unreachable_since = None
            self._outage.recovered(self._part)
        except (psycopg2.Error, OSError) as exc:
            if self._connection is not None:  # a lost connection, or the database
                _close(self._connection)
            self._outage.failed(self._part, exc)
            self._connection = None
            self._holds_lock = False
            now = self._clock()
            if self._unreachable_since is None:
                self._unreachable_since = now
            if not self.leader and now - self._unreachable_since >= self.unreachable_grace:
                log.info("sampling %s without election: the database is unreachable", self.host)
                self._set_leader(True)
            return
        self._set_leader(self._holds_lock)

    def _evict_stale_holder(self, cursor: Any) -> bool:
        """Ends the lock holder's session when it is a stale one of this very process (its
        network died but the server kept the session), or when the holder relays nothing any
        more (``holder_silent``): otherwise a host could stay unwatched until the server's TCP
        keepalive notices, which may take hours. True when a holder was ended."""
        cursor.execute(
            "SELECT a.pid, a.application_name FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid",
            ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF),  # how pg_locks splits a key
        )
        row = cursor.fetchone()
        if row is None:
            return False
        pid, application_name = row
        own_ghost = application_name == self.application_name
        if own_ghost or self._holder_silent():
            reason = "a stale session of this process" if own_ghost else "a silent sampler"
            log.warning(
                "ending %s (backend %d) that holds the sampler lock of %s", reason, pid, self.host
            )
            cursor.execute("SELECT pg_terminate_backend(%s, 2000)", (pid,))  # waits for its end
            return True
        return False

    def _set_leader(self, leader: bool) -> None:
        if leader == self.leader:
            return
        self.leader = leader
        if leader:
            log.info("elected to sample %s (pid %d)", self.host, os.getpid())
            self._on_elected()
        else:
            log.info("another process samples %s: following", self.host)
            self._on_demoted()

    def run(self) -> None:
        self.step()
        while not self._stop.wait(self.poll):
            self.step()

    def start(self) -> None:
        """Starts competing, in the election thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stops competing and releases the lock (closing the session releases it)."""
        self._thread.stop(5)
        if self._connection is not None:
            _close(self._connection)
            self._connection = None
