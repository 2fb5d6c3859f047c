"""The flask-sock route ``/ws/metrics``: its checks before the upgrade, then one stream.

Before the upgrade the request's ``Origin`` must be allowed (``app.guard.origin``) and its query
valid, else it is answered 403 or 400 (flask-sock accepts any origin by itself). The upgraded
connection's socket is wrapped in ``WholeFrameSocket`` and handed to ``stream``. The protocol
(query parameters, pings, close codes, the origin rule) is described in docs/websocket.md.
"""

from __future__ import annotations

import contextlib
import logging
import socket

from flask import Flask, Response, request
from flask_sock import Sock

from app.config import Config
from app.guard.origin import origin_allowed, own_origin
from app.http_errors import json_error
from app.live.connections import LiveSocket, LiveSockets, SignalEvent
from app.live.frames import SharedStreams
from app.live.stream import parse_query, stream
from app.live.transport import WholeFrameSocket
from app.paths import WS_PATH
from app.runtime.monitor import Monitor

log = logging.getLogger(__name__)
MAX_MESSAGE_SIZE = 4096  # bytes a client frame may have; larger ones close with 1009
CLOSE_REPLY_WAIT_S = 0.5  # how long a closed connection waits for its closing handshake
MIN_SEND_TIMEOUT_S = 1.0  # a client that accepts no data for max(this, ping interval) is closed
EXTENSION_KEY = "live_sockets"
STREAMS_KEY = "live_streams"  # server.extensions: the SharedStreams of this server's hub


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
