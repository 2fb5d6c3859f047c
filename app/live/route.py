"""The flask-sock route ``/ws/metrics``: its checks before the upgrade, then one stream.

Before the upgrade the request's ``Origin`` must be allowed (``app.guard.origin``) and its query
valid, else it is answered 403 or 400 (flask-sock accepts any origin by itself). A query that
can never be served (a host nobody knows, a ``since`` far ahead of this server's clock) is
upgraded and then closed with 1008 and the reason, which a browser can read (it cannot read the
status of a refused upgrade). The upgraded connection's socket is wrapped in
``WholeFrameSocket`` and handed to ``stream``; while it is open it watches its host
(``LiveHub.watched``), so on PostgreSQL the relay brings this process that host's whole
samples. A client that goes away during any of this is a normal disconnect: one debug line,
and nothing written to its socket. The protocol (query
parameters, pings, close codes, the origin rule) is described in docs/websocket.md.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any

import simple_websocket
from flask import Blueprint, Flask, Response, request
from flask_sock import Sock
from wsproto.utilities import RemoteProtocolError

from app.config import Config
from app.guard.origin import origin_allowed, own_origin
from app.http_errors import json_error
from app.live.connections import LiveSocket, LiveSockets, ReaderThread, SignalEvent
from app.live.frames import SharedStreams
from app.live.stream import CLOSE_POLICY, StreamQuery, parse_query, stream
from app.live.transport import WholeFrameSocket
from app.paths import WS_PATH
from app.runtime.monitor import Monitor

log = logging.getLogger(__name__)
MAX_MESSAGE_SIZE = 4096  # bytes a client frame may have; larger ones close with 1009
CLOSE_REPLY_WAIT_S = 0.5  # how long a closed connection waits for its closing handshake
MIN_SEND_TIMEOUT_S = 1.0  # a client that accepts no data for max(this, ping interval) is closed
NO_PING_SEND_TIMEOUT_S = 10.0  # the same with pings off
MAX_SINCE_AHEAD_S = 86_400.0  # a since further ahead of the server's clock than this is refused
EXTENSION_KEY = "live_sockets"
STREAMS_KEY = "live_streams"  # server.extensions: the SharedStreams of this server's hub


class GoneResponse(Response):
    """What a request whose client went away during the upgrade gets: nothing. Under gunicorn
    the request ends without a byte written to the socket (as flask-sock's own response does);
    other servers write an empty response."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if "gunicorn.socket" in environ:
            raise StopIteration()
        return super().__call__(environ, start_response)


def client_gone(error: Exception) -> Response:
    """The connection ended under us during the handshake or the stream's setup."""
    log.debug("live client gone during setup: %s", error)
    return GoneResponse()


def bad_handshake(error: RemoteProtocolError) -> Response:
    return json_error(400, f"not a WebSocket handshake: {error}")


def send_timeout(config: Config) -> float:
    """How long a write may wait for a client that accepts no data, and how long its bytes may
    stay unacknowledged, before the connection is ended."""
    return max(MIN_SEND_TIMEOUT_S, config.ws_ping_interval or NO_PING_SEND_TIMEOUT_S)


def refusal(query: StreamQuery, monitor: Monitor) -> str | None:
    """Why ``query`` can never be served (closed with 1008 and this reason), or None."""
    ahead = (query.since or 0.0) - time.time()
    if ahead > MAX_SINCE_AHEAD_S:
        return f"since is {ahead:.3g} s ahead of this server's clock: no sample would come"
    host = query.host
    if host is None or host == monitor.config.hostname:
        return None
    live = monitor.hub.hosts()
    if not live or host in live:  # no sample yet at all: the sampler is starting
        return None
    try:
        if host in monitor.store.host_names():
            return None  # known, not reporting now: its samples come when it does
    except Exception:  # the database cannot say: give the host the benefit of the doubt
        return None
    return f"unknown host {host[:60]!r}"


def attach_websocket(server: Flask, monitor: Monitor, config: Config) -> None:
    """Adds ``/ws/metrics`` to ``server``, with its origin check before the upgrade."""
    server.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": config.ws_ping_interval or None,
        "max_message_size": MAX_MESSAGE_SIZE,
        "event_class": SignalEvent,
        "thread_class": ReaderThread,
    }
    sockets = LiveSockets()
    streams = server.extensions[STREAMS_KEY] = SharedStreams(monitor.hub)
    server.extensions[EXTENSION_KEY] = sockets
    timeout = send_timeout(config)
    live = Blueprint("live", __name__)
    for gone in (OSError, simple_websocket.ConnectionError):
        live.register_error_handler(gone, client_gone)
    live.register_error_handler(RemoteProtocolError, bad_handshake)

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

    @Sock().route(WS_PATH, bp=live)
    def metrics(ws: LiveSocket) -> None:
        query = parse_query(request.args)
        raw = ws.sock  # type: ignore[attr-defined]
        try:
            ws.sock = WholeFrameSocket(raw, timeout)  # type: ignore[attr-defined]
            problem = refusal(query, monitor)
            if problem is not None:
                ws.close(CLOSE_POLICY, problem)
                return
            # While open, the connection watches its host (none: this server's own), so the
            # relay brings this process that host's whole samples (app.cluster.listener).
            watched = query.host or monitor.config.hostname
            with (
                sockets.track(abort=lambda: raw.shutdown(socket.SHUT_RDWR)) as stop,
                monitor.hub.watched.watching(watched),
            ):
                stream(ws, monitor.hub, query, stop, streams, sockets.counts)
        finally:
            # The client closed (or answered our close): simple-websocket's reader thread is
            # sending the reply of the closing handshake; let it, then free the thread now.
            reader = getattr(ws, "thread", None)
            if reader is not None and not ws.connected:
                reader.join(CLOSE_REPLY_WAIT_S)
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)

    server.register_blueprint(live)
