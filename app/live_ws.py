"""The live WebSocket, ``/ws/metrics``: the hub's backlog, then every new sample, one per frame.

Each text frame is one sample's JSON exactly as the hub serialized it (``Message.payload``), so a
sample is encoded once however many browsers watch; its frame bytes too are built once and
shared by every connection (app/live_frames.py, app/live_writers.py). The protocol (query
parameters, pings, close codes, the origin rule) is described in docs/websocket.md.

A connection holds one server thread, which sleeps on its hub subscription. It is woken by a new
sample, by simple-websocket's reader thread (the client sent a frame or went away: its event is
a ``SignalEvent``) and by shutdown, so a client that goes away frees its thread and its
subscription at once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from app.api import json_error
from app.config import Config
from app.hub import LiveHub, Message, Subscription
from app.live_frames import SharedStreams
from app.live_writers import ConnectionWriter, FrameWriter, frame_writer
from app.monitor import Monitor

log = logging.getLogger(__name__)

WS_PATH = "/ws/metrics"
MAX_MESSAGE_SIZE = 4096  # bytes a client frame may have; larger ones close with 1009
WAIT_S = 0.25  # longest wait between two looks at a socket whose events cannot wake the stream
IDLE_WAIT_S = 5.0  # longest wait when they can (a safety net: wake-ups come as they happen)
CLOSE_REPLY_WAIT_S = 0.5  # how long a closed connection waits for its closing handshake
MIN_SEND_TIMEOUT_S = 1.0  # a client that accepts no data for max(this, ping interval) is closed
EXTENSION_KEY = "live_sockets"
STREAMS_KEY = "live_streams"  # server.extensions: the SharedStreams of this server's hub

# Close codes (RFC 6455, section 7.4.1) this endpoint sends.
CLOSE_GOING_AWAY = 1001  # the server shuts down: reconnect
CLOSE_POLICY = 1008  # the client sent a frame: this endpoint accepts none
CLOSE_TOO_BIG = 1009  # sent by simple-websocket for a frame over MAX_MESSAGE_SIZE

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class LiveSocket(Protocol):
    """What the stream needs of a simple-websocket ``Server`` (tests may pass a fake)."""

    connected: bool

    def send(self, data: str) -> None: ...

    def receive(self, timeout: float | None = None) -> Any: ...

    def close(self, reason: int | None = None, message: str | None = None) -> None: ...


# -- the origin rule -----------------------------------------------------------------------


def normalize_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case with the scheme's default port left out.

    None for anything that is not such an origin (``null``, a bare host, a path).
    """
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host or parts.path not in ("", "/") or parts.query:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(
    origin: str | None, own_origin: str, allowed: tuple[str, ...], allow_no_origin: bool
) -> bool:
    """True when a browser on ``origin`` may open the socket.

    Allowed: the dashboard's own origin, any origin listed in ``allowed`` (compared normalized),
    and a request without an Origin header only when ``allow_no_origin`` (non-browser clients).
    """
    if origin is None:
        return allow_no_origin
    candidate = normalize_origin(origin)
    if candidate is None:
        return False
    accepted = {normalize_origin(own_origin)} | {normalize_origin(o) for o in allowed}
    return candidate in accepted


# -- query parameters ----------------------------------------------------------------------


@dataclass(frozen=True)
class StreamQuery:
    """What one connection asked for: samples newer than ``since``, of ``host`` when given."""

    since: float | None = None
    host: str | None = None


def parse_query(args: Mapping[str, str]) -> StreamQuery:
    """Reads ``since`` (epoch seconds) and ``host``; a malformed ``since`` is a ValueError."""
    raw_since = args.get("since")
    since = None
    if raw_since not in (None, ""):
        since = float(raw_since)
        if not math.isfinite(since):
            raise ValueError(raw_since)
    host = args.get("host") or None
    return StreamQuery(since, host)


# -- open connections ----------------------------------------------------------------------


class SignalEvent(threading.Event):
    """A ``threading.Event`` that also calls its listeners each time it is set.

    simple-websocket sets its connection's event when the client sent a frame or went away
    (``SOCK_SERVER_OPTIONS["event_class"]``); a stream listens to it, and to its stop event,
    to wake from its subscription at once.
    """

    def __init__(self) -> None:
        super().__init__()
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)
        if self.is_set():
            listener()

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def set(self) -> None:
        super().set()
        for listener in list(self._listeners):
            listener()


@dataclass
class DeliveryCounts:
    """Messages written to live connections by the publisher's thread in place, without waking
    the connection's thread (approximate under contention)."""

    direct: int = 0


class LiveSockets:
    """The connections this server holds; ``close_all`` ends them with 1001 (going away)."""

    def __init__(self) -> None:
        self.counts = DeliveryCounts()
        self._lock = threading.Lock()
        self._stops: set[threading.Event] = set()
        self._idle = threading.Condition(self._lock)

    def __len__(self) -> int:
        with self._lock:
            return len(self._stops)

    @contextmanager
    def track(self) -> Iterator[threading.Event]:
        """Registers one connection for its lifetime; yields the event that asks it to stop."""
        stop = SignalEvent()
        with self._lock:
            self._stops.add(stop)
        try:
            yield stop
        finally:
            with self._lock:
                self._stops.discard(stop)
                self._idle.notify_all()

    def close_all(self, timeout: float = 5.0) -> bool:
        """Asks every connection to close, then waits; True when none is left in time."""
        with self._lock:
            for stop in self._stops:
                stop.set()
            return self._idle.wait_for(lambda: not self._stops, timeout)


# -- the stream ----------------------------------------------------------------------------


def stream(
    ws: LiveSocket,
    hub: LiveHub,
    query: StreamQuery,
    stop: threading.Event | None = None,
    streams: SharedStreams | None = None,
    counts: DeliveryCounts | None = None,
) -> None:
    """Sends the backlog newer than ``query.since``, then every new sample, until the end.

    The subscription is taken before the backlog is read, so no sample falls between the two;
    a sample is sent only when newer than the last one sent of its host, so none is sent twice.
    Frames are written by the connection's ``FrameWriter`` (shared frames of ``streams`` when
    the socket allows). Ends when the client disconnects, sends any frame (closed with 1008),
    or ``stop`` is set (closed with 1001). The subscription is always closed on the way out.
    """
    stop = stop or threading.Event()
    counts = counts or DeliveryCounts()
    sent = SentFilter(query)
    with contextlib.ExitStack() as exits:
        writer = frame_writer(ws, streams, query.host, exits)
        subscription = exits.enter_context(hub.subscribe())
        woken = _wake_on(subscription, (getattr(ws, "event", None), stop), exits)
        wait = IDLE_WAIT_S if woken else WAIT_S
        sock = getattr(ws, "sock", None)
        take = _direct_delivery(writer, sent, sock, subscription, counts) if woken else None
        try:
            for message in hub.backlog(query.since, query.host):
                if sent.wants(message):
                    writer.write(message)
            while ws.connected:
                message = subscription.get(timeout=wait)
                subscription.unpark()  # from here on, only this thread writes
                if stop.is_set():
                    ws.close(CLOSE_GOING_AWAY, "server shutting down")
                    return
                if take is not None:
                    sock.flush()
                if message is not None and sent.wants(message):
                    writer.write(message)
                if ws.connected and ws.receive(timeout=0) is not None:
                    ws.close(CLOSE_POLICY, "this endpoint accepts no client messages")
                    return
                if take is not None and ws.connected and not stop.is_set():
                    subscription.park(take)
        except (ConnectionClosed, OSError) as error:
            log.debug("live client gone: %s", error)


def _direct_delivery(
    writer: FrameWriter,
    sent: SentFilter,
    sock: Any,
    subscription: Subscription,
    counts: DeliveryCounts,
) -> Callable[[Message], bool] | None:
    """What the publisher's thread does with a message while the connection is idle
    (``Subscription.park``): it writes the message's shared frame without blocking, so an idle
    connection's thread need not wake for each sample. None when the connection has no shared
    frames or its socket cannot be written without blocking."""
    shared = not isinstance(writer, ConnectionWriter)
    if not shared or not isinstance(sock, WholeFrameSocket) or not sock.can_offer:
        return None
    sock.on_close = subscription.wake  # simple-websocket's reader thread closes the socket last

    def take(message: Message) -> bool:
        if not sent.newer(message):
            return True  # nothing to send
        data = writer.take(message)
        if data is None:
            return False  # needs this connection's own work: its thread does it
        sent.mark(message)
        counts.direct += 1
        if not sock.offer(data):
            subscription.wake()  # the kernel took part of it: the thread sends the rest
        return True

    return take


class SentFilter:
    """Which messages a connection still needs: of its host filter, and newer than the last
    one it was sent of the same host (``since`` to begin with)."""

    def __init__(self, query: StreamQuery) -> None:
        self._host = query.host
        self._since = query.since if query.since is not None else -math.inf
        self._last: dict[str, float] = {}

    def newer(self, message: Message) -> bool:
        """True when ``message`` is still needed."""
        if self._host is not None and message.host != self._host:
            return False
        return message.ts > self._last.get(message.host, self._since)

    def mark(self, message: Message) -> None:
        """Remembers ``message`` as sent."""
        self._last[message.host] = message.ts

    def wants(self, message: Message) -> bool:
        """True (and remembered as sent) when ``message`` is still needed."""
        if not self.newer(message):
            return False
        self.mark(message)
        return True


def _wake_on(
    subscription: Subscription, events: tuple[object, ...], exits: contextlib.ExitStack
) -> bool:
    """Wakes ``subscription`` whenever one of ``events`` is set; True when every one can."""
    hooked = [event for event in events if isinstance(event, SignalEvent)]
    for event in hooked:
        event.add_listener(subscription.wake)
        exits.callback(event.remove_listener, subscription.wake)
    return len(hooked) == len(events)


class WholeFrameSocket:
    """The connection's socket, with writes that are whole and one at a time.

    simple-websocket writes with ``socket.send`` from two threads (the stream's frames, and its
    reader thread's pings, pongs and close replies): a partial send or two interleaved writes
    corrupt the stream for a client that reads slowly. Here every write takes a lock and is
    sent whole (``sendall``). A client that stops reading altogether makes the kernel's send
    buffer fill: ``SO_SNDTIMEO`` then fails the write after ``send_timeout`` seconds, which ends
    the stream and frees its thread and subscription. ``offer`` is the write of the publisher's
    thread (direct delivery to an idle connection): it never waits, and what it could not send
    waits for the connection's own thread (``flush``), ahead of any later write. Everything
    else passes through.
    """

    def __init__(self, sock: socket.socket, send_timeout: float) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._carry = bytearray()  # the part of a frame ``offer`` could not send: it goes first
        self._queued: deque[bytes] = deque()  # whole frames ``offer`` could not start: next
        self._closing = False  # a Close frame went out: no data frame may follow (RFC 6455)
        self.on_close: Callable[[], None] | None = None  # called once the socket is closed
        seconds = int(send_timeout)
        micros = int((send_timeout - seconds) * 1_000_000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, micros))

    @property
    def can_offer(self) -> bool:
        """True when ``offer`` can write without ever waiting: a plain blocking socket (a TLS
        socket refuses MSG_DONTWAIT; a socket with a timeout waits before sending)."""
        return type(self._sock) is socket.socket and self._sock.gettimeout() is None

    def send(self, data: bytes) -> int:
        with self._lock:
            if self._closing and _is_data_frame(data):
                return len(data)
            self._send_carry()
            self._sock.sendall(data)
            self._closing = self._closing or _is_close_frame(data)
        return len(data)

    def offer(self, data: bytes) -> bool:
        """Writes what the kernel takes now, never waiting (not even for another writer), and
        keeps the rest to go first on the next write (``flush``); True when everything went."""
        if not self._lock.acquire(blocking=False):  # a write is under way: it may be stuck
            self._queued.append(data)
            return False
        try:
            if self._closing:
                return True  # the connection is closing: the frame is not wanted any more
            if self._carry or self._queued:
                self._queued.append(data)
                return False
            try:
                sent = self._sock.send(data, socket.MSG_DONTWAIT)
            except BlockingIOError:
                sent = 0
            except (OSError, ValueError):  # the connection's thread meets it again in flush
                sent = 0
            if sent < len(data):
                self._carry += data[sent:]
                return False
            return True
        finally:
            self._lock.release()

    def flush(self) -> None:
        """Sends what ``offer`` left, waiting up to the send timeout."""
        with self._lock:
            self._send_carry()

    def close(self) -> None:
        """Closes the socket, then tells ``on_close``."""
        self._sock.close()
        if self.on_close is not None:
            self.on_close()

    def _send_carry(self) -> None:
        if self._carry:
            self._sock.sendall(self._carry)
            self._carry.clear()
        while self._queued:
            self._sock.sendall(self._queued.popleft())

    sendall = send

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _is_close_frame(data: bytes) -> bool:
    return bool(data) and data[0] & 0x0F == 0x8


def _is_data_frame(data: bytes) -> bool:
    return bool(data) and data[0] & 0x0F in (0x0, 0x1, 0x2)


# -- wiring --------------------------------------------------------------------------------


def own_origin() -> str:
    """The origin a page of this dashboard has: scheme://Host of the current request."""
    return f"{request.scheme}://{request.host}"


def attach_websocket(server: Flask, monitor: Monitor, config: Config) -> None:
    """Adds ``/ws/metrics`` to ``server``, with its origin check before the upgrade."""
    server.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": config.ws_ping_interval or None,
        "max_message_size": MAX_MESSAGE_SIZE,
        "event_class": SignalEvent,
    }
    sockets = LiveSockets()
    streams = server.extensions[STREAMS_KEY] = SharedStreams(monitor.hub)
    server.extensions[EXTENSION_KEY] = sockets
    send_timeout = max(MIN_SEND_TIMEOUT_S, config.ws_ping_interval or 10.0)
    sock = Sock(server)

    @server.before_request
    def _check_websocket_request() -> Response | None:
        if request.path != WS_PATH:
            return None
        origin = request.headers.get("Origin")
        if not origin_allowed(origin, own_origin(), config.allowed_origins, config.allow_no_origin):
            log.warning("refused WebSocket from origin %r", origin)
            return json_error(403, "origin not allowed", origin=origin)
        try:
            parse_query(request.args)
        except ValueError:
            return json_error(400, "since must be epoch seconds", parameter="since")
        return None

    @sock.route(WS_PATH)
    def metrics(ws: LiveSocket) -> None:
        query = parse_query(request.args)
        raw = ws.sock  # type: ignore[attr-defined]
        ws.sock = WholeFrameSocket(raw, send_timeout)  # type: ignore[attr-defined]
        try:
            with sockets.track() as stop:
                stream(ws, monitor.hub, query, stop, streams, sockets.counts)
        finally:
            # The client closed (or answered our close): simple-websocket's reader thread is
            # sending the reply of the closing handshake; let it, then free the thread now.
            reader = getattr(ws, "thread", None)
            if reader is not None and not ws.connected:
                reader.join(CLOSE_REPLY_WAIT_S)
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)
