"""A gunicorn worker that one client cannot stall: gthread with a bound on reading requests.

gunicorn's gthread worker gives a connection to one of its threads as soon as bytes arrive, and
the thread then reads the request with blocking reads and no deadline: 73 connections sending
their headers slowly (one more than the threads) made ``/healthz`` time out for everyone. This
worker reads each request, headers and a ``Content-Length`` body, in its main loop (the
selector gthread already runs, no thread held) and gives the connection to a thread only once
the whole request is there. A client that has not sent it within ``request_read_timeout``
seconds (plus a second per 64 KiB of announced body) gets 408 and is closed; one client address
may hold at most ``connections_per_client`` connections at once (429 for more). A body of
unknown length (``Transfer-Encoding``) gets 411, one over ``MAX_BODY`` 413, a header block
over ``MAX_HEADER`` 431.

The worker also tells the app the moment it stops being alive, whatever stopped it (SIGTERM
from its master on stop or reload, ``max_requests``): ``on_stop`` runs in its main loop right
away, where gthread would otherwise wait up to ``graceful_timeout`` for open WebSockets to end
by themselves before the app hears anything (``worker_exit``).

Not covered: TLS connections (gunicorn's own ``certfile``; TLS ends at the reverse proxy here,
docs/operations.md) are handed over as gthread does, and a client that reads a response slowly
holds its thread while it is written (the WebSocket has its own send timeout).

gunicorn's master imports this module for the worker class: it holds the class and its limits
only, and the reading itself (``request_reading``: dataclasses, the connection class) is
imported by the methods that use it, which run in the worker after the fork.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from gunicorn.workers.gthread import ThreadWorker

if TYPE_CHECKING:
    from app.guard.request_reading import GuardedConn


class ClientLimits:
    """How long a client may take to send a request, and the connections one address may
    hold at once (``per_client`` 0: no limit)."""

    __slots__ = ("per_client", "read_timeout")

    def __init__(self, read_timeout: float = 10.0, per_client: int = 32) -> None:
        self.read_timeout = read_timeout
        self.per_client = per_client


class GuardedThreadWorker(ThreadWorker):
    """gthread, reading each request in the main loop before a thread serves it."""

    limits = ClientLimits()  # set in the master (app.guard.startup) before workers fork
    on_stop: Callable[[], None] | None = None  # set by gunicorn.conf.py's post_worker_init

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._alive = False
        super().__init__(*args, **kwargs)
        self.reading: dict[GuardedConn, None] = {}
        self.per_client: Counter[str] = Counter()
        self.warned: set[str] = set()
        self.pre_read = not self.cfg.is_ssl and getattr(self.cfg, "http2_cleartext", "off") == "off"

    @property
    def alive(self) -> bool:
        return self._alive

    @alive.setter
    def alive(self, value: bool) -> None:
        """gunicorn sets this False to stop the worker, from a signal handler or a thread;
        ``on_stop`` then runs in the main loop (the queue gthread wakes its loop with)."""
        stopping = self._alive and not value
        self._alive = value
        if stopping and self.on_stop is not None:
            self.method_queue.defer(self._run_on_stop)

    def _run_on_stop(self) -> None:
        on_stop, self.on_stop = self.on_stop, None
        if on_stop is not None:
            try:
                on_stop()
            except Exception:  # the worker still stops; worker_exit tries again
                self.log.exception("stopping the app failed")

    def accept(self, listener: Any) -> None:
        from app.guard.request_reading import TOO_MANY, GuardedConn, answer

        try:
            sock, addr = listener.accept()
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        client = str(addr[0]) if isinstance(addr, tuple) and addr else ""
        limit = self.limits.per_client
        if client and limit and self.per_client[client] >= limit:
            if client not in self.warned:
                self.warned.add(client)
                self.log.warning("refusing connections from %s: it holds %d already", client, limit)
            answer(sock, TOO_MANY)
            sock.close()
            return
        self.per_client[client] += 1
        self.nr_conns += 1
        release = partial(self._release, client)
        conn = GuardedConn(self.cfg, sock, addr, listener.getsockname(), release)
        self.enqueue_req(conn)

    def _release(self, client: str) -> None:
        self.per_client[client] -= 1
        if self.per_client[client] <= 0:
            del self.per_client[client]
            self.warned.discard(client)

    def enqueue_req(self, conn: Any) -> None:
        """To a thread once the request is read; until then, to the main loop's selector."""
        from app.guard.request_reading import GuardedConn

        if not self.pre_read or not isinstance(conn, GuardedConn) or conn.complete:
            if isinstance(conn, GuardedConn):
                conn.complete = False
            super().enqueue_req(conn)
            return
        leftover = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.early = bytearray(leftover)  # a pipelined request the parser read ahead
        conn.started = time.monotonic()
        conn.deadline = conn.started + self.limits.read_timeout
        conn.continued = False
        conn.sock.setblocking(False)
        if not self._progress(conn):
            self.reading[conn] = None
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _readable(self, conn: GuardedConn, _fileobj: object) -> None:
        from app.guard.request_reading import READ_CHUNK

        try:
            data = conn.sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data or conn.early is None:  # the client went away
            self._stop_reading(conn)
            self._drop(conn)
            return
        conn.early += data
        self._progress(conn)

    def _progress(self, conn: GuardedConn) -> bool:
        """Acts on what ``conn`` sent so far; True once it is no longer being read."""
        from app.guard.request_reading import MIN_BODY_RATE, request_state

        assert conn.early is not None
        state = request_state(conn.early)
        if state.refusal is not None or state.complete:
            self._stop_reading(conn)
            if state.refusal is not None:
                self._drop(conn, state.refusal)
            else:
                conn.complete = True
                self.enqueue_req(conn)
            return True
        if state.body_length:
            conn.deadline = max(
                conn.deadline,
                conn.started + self.limits.read_timeout + state.body_length / MIN_BODY_RATE,
            )
        if state.expects_continue and not conn.continued:
            conn.continued = True
            with contextlib.suppress(OSError):
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        return False

    def _stop_reading(self, conn: GuardedConn) -> None:
        if self.reading.pop(conn, False) is None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)

    def _drop(self, conn: GuardedConn, status: bytes | None = None) -> None:
        if status is not None:
            from app.guard.request_reading import answer

            answer(conn.sock, status)
        conn.early = None
        self.nr_conns -= 1
        conn.close()

    def handle(self, conn: Any) -> Any:
        """In a thread: hands the bytes read by the main loop to gunicorn's parser first."""
        early = getattr(conn, "early", None)
        if early is not None:
            conn.early = None
            conn.data_ready = True
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(bytes(early))
        return super().handle(conn)

    def murder_pending(self) -> None:
        """Also ends connections past their deadline for sending a request (all of them once
        the worker stops)."""
        from app.guard.request_reading import TIMEOUT

        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading if not self.alive or c.deadline <= now]:
            self._stop_reading(conn)
            self.log.debug("request not sent in time by %s", conn.client)
            self._drop(conn, TIMEOUT if self.alive else None)
