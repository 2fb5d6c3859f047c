"""Many processes, one sampler per host, every sample to every process (PostgreSQL only).

- ``SamplerElection``: the processes that could sample a host (gunicorn workers, an agent
  started twice) compete for a session-level advisory lock keyed by the host name; the holder
  samples, the others follow. When the holder dies its session ends, the lock is free, and a
  follower takes over at its next attempt (every half interval). While the database cannot be
  reached nobody can be elected, so a process that cannot reach it samples anyway rather than
  leave the host unwatched: duplicates cannot reach the database (one row per host and tick),
  and once the database is back the lock decides again.
- ``PgNotifier``: the sampling process sends each sample with ``NOTIFY`` from its own thread
  (the sampler never waits for it).
- ``PgListener``: every web process ``LISTEN``s and publishes what it receives into its hub, so
  each browser gets every live sample whichever worker it is connected to, and samples of other
  hosts (agents) too.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import select
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions
from sqlalchemy import Engine

from app.hub import LiveHub, Message
from app.relay_codec import Reassembler, encode

log = logging.getLogger(__name__)

_origins: dict[int, str] = {}


def process_origin() -> str:
    """An id of this process for relayed messages; computed per pid, so a worker forked from a
    master that imported this module still gets its own."""
    pid = os.getpid()
    if pid not in _origins:
        _origins[pid] = f"{pid}-{uuid.uuid4().hex[:8]}"
    return _origins[pid]


def deployment_scope(connection: Any) -> str:
    """``database/schema`` of ``connection``: deployments in other schemas or databases of the
    same server share neither lock keys nor NOTIFY channels (both are server-wide)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
    return f"{database}/{schema}"


def channel_name(scope: str) -> str:
    """The NOTIFY channel of a deployment scope (a valid unquoted identifier)."""
    return "monitor_" + hashlib.sha256(scope.encode()).hexdigest()[:16]


def sampler_lock_key(host: str, scope: str = "") -> int:
    """The advisory lock key (a signed 64-bit integer) that elects the sampler of ``host``."""
    digest = hashlib.sha256(f"monitor-sampler:{scope}:{host}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


ELECTION_APP_PREFIX = "monitor-election "


def election_application_name(origin: str | None = None) -> str:
    """The ``application_name`` of this process's election sessions (shows in pg_stat_activity
    and lets a process recognise a stale session of its own)."""
    return ELECTION_APP_PREFIX + (origin or process_origin())


def connector(engine: Engine, application_name: str | None = None) -> Callable[[], Any]:
    """A function opening a fresh autocommit psycopg2 connection to ``engine``'s database."""

    def connect() -> Any:
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        if application_name:
            kwargs = {**kwargs, "application_name": application_name}
        connection = psycopg2.connect(*args, **kwargs)
        connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        return connection

    return connect


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):
        connection.close()


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
    ) -> None:
        self._connect = connect
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
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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
        except (psycopg2.Error, OSError) as exc:
            if self._connection is not None:
                _close(self._connection)
                log.warning("sampler election lost its database connection: %s", exc)
            self._connection = None
            self._holds_lock = False
            now = self._clock()
            if self._unreachable_since is None:
                self._unreachable_since = now
            if not self.leader and now - self._unreachable_since >= self.unreachable_grace:
                log.warning("database unreachable: sampling %s without election", self.host)
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
        self._thread = threading.Thread(target=self.run, name="monitor-election", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops competing and releases the lock (closing the session releases it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._connection is not None:
            _close(self._connection)
            self._connection = None


def successor_ready(listener: PgListener, host: str, *, history: float, silence: float) -> bool:
    """Whether a listening process may compete to sample ``host``.

    Only once it has listened for ``history`` seconds: a successor must hold the samples that
    a dead sampler relayed but had not yet written, to store them. A process that has heard
    nothing of ``host`` for ``silence`` seconds competes anyway: nobody is sampling it (a cold
    start). A process that cannot listen (database down) competes, as the election falls back
    to sampling anyway then.
    """
    since = listener.listening_since
    if since is None:
        return True
    now = time.monotonic()
    if now - since >= history:
        return True
    heard = listener.last_heard.get(host)
    return now - since >= silence and (heard is None or now - heard >= silence)


def holder_silent(listener: PgListener, host: str, *, silence: float) -> bool:
    """True when this process has listened for ``silence`` seconds and heard nothing of
    ``host`` all that time: whoever holds its sampler lock is not sampling for the cluster."""
    since = listener.listening_since
    if since is None:
        return False
    now = time.monotonic()
    heard = listener.last_heard.get(host)
    return now - since >= silence and (heard is None or now - heard >= silence)


class PgNotifier:
    """Sends hub messages with NOTIFY from its own thread; a bounded queue drops the oldest."""

    def __init__(
        self, connect: Callable[[], Any], *, queue_size: int = 120, origin: str | None = None
    ) -> None:
        self._connect = connect
        self._origin = origin or process_origin()
        self._queue: deque[Message] = deque(maxlen=queue_size)
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: Any = None
        self._channel = ""
        self._message_id = 0
        self.sent = 0
        self.errors = 0

    def submit(self, message: Message) -> None:
        """Queues ``message`` for sending; never blocks."""
        with self._wake:
            self._queue.append(message)
            self._wake.notify()

    def _send(self, message: Message) -> None:
        if self._connection is None:
            self._connection = self._connect()
            self._channel = channel_name(deployment_scope(self._connection))
            self._connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_READ_COMMITTED)
        self._message_id += 1
        with self._connection.cursor() as cursor:
            for payload in encode(message, self._origin, self._message_id):
                cursor.execute("SELECT pg_notify(%s, %s)", (self._channel, payload))
        self._connection.commit()  # parts are delivered together, at commit
        self.sent += 1

    def run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            with self._wake:
                if not self._queue:
                    self._wake.wait(0.5)
                if not self._queue:
                    continue
                message = self._queue[0]
            try:
                self._send(message)
            except (psycopg2.Error, OSError) as exc:
                self.errors += 1
                if self._connection is not None:
                    _close(self._connection)
                    self._connection = None
                    log.warning("NOTIFY failed, live relay paused: %s", exc)
                backoff = min(5.0, max(0.1, backoff * 2))
                self._stop.wait(backoff)
                continue
            backoff = 0.0
            with self._wake:
                if self._queue and self._queue[0] is message:
                    self._queue.popleft()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="monitor-notify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(5)
        if self._connection is not None:
            _close(self._connection)


class PgListener:
    """LISTENs for samples of other processes and publishes them into the local hub."""

    def __init__(
        self, connect: Callable[[], Any], hub: LiveHub, *, origin: str | None = None
    ) -> None:
        self._connect = connect
        self._hub = hub
        self._reassembler = Reassembler(origin or process_origin())
        self.listening = threading.Event()
        self.listening_since: float | None = None
        self.last_heard: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.received = 0

    def _listen(self) -> None:
        connection = self._connect()
        try:
            channel = channel_name(deployment_scope(connection))
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {channel}")  # a hex identifier of ours, not user input
            self.listening_since = time.monotonic()
            self.listening.set()
            while not self._stop.is_set():
                ready, _, _ = select.select([connection], [], [], 0.5)
                if not ready:
                    continue
                connection.poll()
                while connection.notifies:
                    notify = connection.notifies.pop(0)
                    message = self._reassembler.feed(notify.payload)
                    if message is not None:
                        self.received += 1
                        self.last_heard[message.host] = time.monotonic()
                        self._hub.publish_message(message)
        finally:
            self.listening.clear()
            self.listening_since = None
            _close(connection)

    def run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.1
            except (psycopg2.Error, OSError) as exc:
                log.warning("LISTEN connection lost, retrying in %.1f s: %s", backoff, exc)
                self._stop.wait(backoff)
                backoff = min(5.0, backoff * 2)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="monitor-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
