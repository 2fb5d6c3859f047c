"""The relay: samples between processes (PostgreSQL ``NOTIFY``/``LISTEN``).

- ``PgNotifier``: the sampling process sends each sample with ``NOTIFY`` from its own thread
  (the sampler never waits for it): the whole sample on its host's own channel, split under
  PostgreSQL's payload limit (``codec``), and its summary (``app.hub.summary``) on the
  deployment's summary channel, in one transaction.
- ``PgListener`` (``app.cluster.listener``): every web process hears every host's summaries,
  and the whole samples of its own host and of the hosts its connections watch.
- ``successor_ready`` and ``holder_silent``: what the listener has heard (summaries included),
  which the election uses to decide when a process may take over sampling.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions

from app.cluster.codec import encode, encode_summary
from app.cluster.listener import LISTEN, PgListener
from app.cluster.pg import _close, deployment_scope, host_channel, process_origin, summary_channel
from app.hub import Message
from app.hub.summary import summarize_text
from lifecycle import BackgroundThread
from storage.outage import DatabaseOutage, database_outage

NOTIFY = "NOTIFY (the live relay)"
__all__ = ["LISTEN", "NOTIFY", "PgListener", "PgNotifier", "holder_silent", "successor_ready"]


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
    now = listener.clock()
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
    now = listener.clock()
    heard = listener.last_heard.get(host)
    return now - since >= silence and (heard is None or now - heard >= silence)


class PgNotifier:
    """Sends hub messages with NOTIFY from its own thread; a bounded queue drops the oldest."""

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        queue_size: int = 120,
        origin: str | None = None,
        outage: DatabaseOutage = database_outage,
    ) -> None:
        self._connect = connect
        self._origin = origin or process_origin()
        self._queue: deque[Message] = deque(maxlen=queue_size)
        self._wake = threading.Condition()
        self._thread = BackgroundThread("monitor-notify", self.run)
        self._stop = self._thread.stopping
        self._connection: Any = None
        self._scope = ""
        self._message_id = 0
        self._outage = outage
        self.sent = 0
        self.errors = 0

    def submit(self, message: Message) -> None:
        """Queues ``message`` for sending; never blocks."""
        with self._wake:
            self._queue.append(message)
            self._wake.notify()

    def _send(self, message: Message) -> None:
        """The whole sample on its host's channel, then its summary, in one transaction."""
        if self._connection is None:
            self._connection = self._connect()
            self._scope = deployment_scope(self._connection)
            self._connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_READ_COMMITTED)
        self._message_id += 1
        summary = summarize_text(message.host, message.ts, message.seq, message.payload)
        summary_payload = encode_summary(summary, self._origin)
        with self._connection.cursor() as cursor:
            channel = host_channel(self._scope, message.host)
            for payload in encode(message, self._origin, self._message_id):
                cursor.execute("SELECT pg_notify(%s, %s)", (channel, payload))
            if summary_payload is not None:
                channel = summary_channel(self._scope)
                cursor.execute("SELECT pg_notify(%s, %s)", (channel, summary_payload))
        self._connection.commit()  # parts and summary are delivered together, at commit
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
                self._outage.failed(NOTIFY, exc)
                backoff = min(5.0, max(0.1, backoff * 2))
                self._stop.wait(backoff)
                continue
            backoff = 0.0
            self._outage.recovered(NOTIFY)
            with self._wake:
                if self._queue and self._queue[0] is message:
                    self._queue.popleft()

    def start(self) -> None:
        """Starts sending, in the notifier thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stops sending (what is queued is dropped) and closes the connection."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        self._thread.stop(5)
        if self._connection is not None:
            _close(self._connection)
