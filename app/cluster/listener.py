"""The relay's listening side: what a web process hears of the other processes' samples.

``PgListener`` always ``LISTEN``s to the deployment's summary channel (every host's summary,
``app.hub.summary``: the overview, the host list and the silence rules read them) and to the
whole-sample channel of a host only while it is wanted: its own host always (a successor must
hold the samples a dead sampler relayed, to re-store them), and every host that a local
consumer watches (``LiveHub.watched``: a live connection following it). A change of the watched
set wakes the listener thread through a socket pair, and that thread, the only one using the
connection (psycopg2 connections are not thread-safe), issues ``LISTEN``/``UNLISTEN``; after a
reconnect it listens to everything wanted again. Channels are hashed identifiers
(``pg.host_channel``): no host name reaches SQL.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg2
from psycopg2 import sql

from app.cluster.codec import Reassembler, decode_summary
from app.cluster.pg import _close, deployment_scope, host_channel, process_origin, summary_channel
from app.hub import LiveHub
from lifecycle import BackgroundThread
from storage.outage import DatabaseOutage, database_outage

log = logging.getLogger(__name__)
LISTEN = "LISTEN (the live relay)"
POLL_S = 0.5  # longest wait between two looks at the stop flag


class PgListener:
    """LISTENs for other processes' summaries and wanted whole samples; publishes them into
    the local hub (whole samples) and its board (summaries)."""

    def __init__(
        self,
        connect: Callable[[], Any],
        hub: LiveHub,
        *,
        own_host: str | None = None,
        origin: str | None = None,
        outage: DatabaseOutage = database_outage,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self._hub = hub
        self._own_host = own_host
        self._origin = origin or process_origin()
        self._reassembler = Reassembler(self._origin)
        self.clock = clock
        self.listening = threading.Event()
        self.listening_since: float | None = None
        self.last_heard: dict[str, float] = {}  # host -> when last heard of, on ``clock``
        self.listened: frozenset[str] = frozenset()  # hosts whose whole samples it LISTENs to
        self.backend_pid: int | None = None
        self.whole_received: Counter[str] = Counter()  # whole samples received, per host
        self.summaries_received: Counter[str] = Counter()
        self.malformed = 0
        self._wake_r, self._wake_w = socket.socketpair()
        for end in (self._wake_r, self._wake_w):
            end.setblocking(False)
        hub.watched.add_listener(self._wake)
        self._thread = BackgroundThread("monitor-listen", self.run)
        self._stop = self._thread.stopping
        self._outage = outage

    @property
    def received(self) -> int:
        """Whole samples received, all hosts together."""
        return sum(self.whole_received.values())

    def wanted(self) -> frozenset[str]:
        """The hosts whose whole samples this process needs now."""
        hosts = self._hub.watched.hosts()
        return hosts | {self._own_host} if self._own_host else hosts

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full: a wake-up is pending anyway; closed: stopping
            self._wake_w.send(b"w")

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def _apply(self, connection: Any, scope: str) -> None:
        """LISTENs to the wanted hosts not listened yet, UNLISTENs those no longer wanted."""
        wanted = self.wanted()
        with connection.cursor() as cursor:
            for verb, hosts in (
                ("LISTEN", wanted - self.listened),
                ("UNLISTEN", self.listened - wanted),
            ):
                for host in sorted(hosts):
                    channel = sql.Identifier(host_channel(scope, host))
                    cursor.execute(sql.SQL(verb + " {}").format(channel))
        self.listened = wanted

    def _listen(self) -> None:
        connection = self._connect()
        try:
            self.backend_pid = connection.get_backend_pid()
            scope = deployment_scope(connection)
            summaries = summary_channel(scope)
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("LISTEN {}").format(sql.Identifier(summaries)))
            self.listened = frozenset()
            self._drain_wake()
            self._apply(connection, scope)
            self.listening_since = self.clock()
            self.listening.set()
            self._outage.recovered(LISTEN)
            while not self._stop.is_set():
                ready, _, _ = select.select([connection, self._wake_r], [], [], POLL_S)
                if self._wake_r in ready:
                    self._drain_wake()  # before reading the watched set: no change is missed
                    self._apply(connection, scope)
                if connection in ready:
                    connection.poll()
                    while connection.notifies:
                        notify = connection.notifies.pop(0)
                        self._receive(notify.channel == summaries, notify.payload)
        finally:
            self.listening.clear()
            self.listening_since = None
            self.listened = frozenset()
            _close(connection)

    def _receive(self, is_summary: bool, payload: str) -> None:
        """Puts a summary on the board, or publishes a completed whole sample into the hub."""
        if is_summary:
            try:
                summary = decode_summary(payload, self._origin)
            except (ValueError, TypeError):
                self.malformed += 1
                return
            if summary is not None:
                self.summaries_received[summary.host] += 1
                self.last_heard[summary.host] = self.clock()
                self._hub.summaries.put(summary)
            return
        message = self._reassembler.feed(payload)
        if message is not None:
            self.whole_received[message.host] += 1
            self.last_heard[message.host] = self.clock()
            self._hub.publish_message(message)

    def run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.1
            except (psycopg2.Error, OSError) as exc:
                self._outage.failed(LISTEN, exc)
                self._stop.wait(backoff)
                backoff = min(5.0, backoff * 2)

    def start(self) -> None:
        """Starts listening, in the listener thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stops listening and forgets the watched set's wake-ups."""
        self._hub.watched.remove_listener(self._wake)
        self._thread.stop(5)
        for end in (self._wake_r, self._wake_w):
            end.close()
