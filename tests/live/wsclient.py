"""A minimal WebSocket client on a raw socket (wsproto), which shows what a test must see:
the handshake's HTTP status, every frame in order, pings, and the close code."""

from __future__ import annotations

import contextlib
import socket
import time
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.extensions import Extension


class WsClient:
    """Connects and completes (or fails) the handshake in the constructor."""

    def __init__(
        self,
        port: int,
        path: str = "/ws/metrics",
        origin: str | None = None,
        timeout: float = 5,
        extensions: list[Extension] | None = None,
    ) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = WSConnection(ConnectionType.CLIENT)
        headers = [("Origin", origin)] if origin is not None else []
        self.sock.sendall(
            self.conn.send(
                Request(
                    host=f"127.0.0.1:{port}",
                    target=path,
                    extra_headers=headers,
                    extensions=extensions or [],
                )
            )
        )
        self.status = 0
        self.body = b""
        self.events: list[Event] = []
        self.pings = 0
        self.close_code: int | None = None
        self._handshake(timeout)
        if self.status != 101:
            self.abort()  # the server answered with a plain HTTP response and is done

    def _handshake(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.status == 0 or (self.status != 101 and not self._reject_done):
            self._read(deadline)
            for event in self.conn.events():
                if isinstance(event, AcceptConnection):
                    self.status = 101
                elif isinstance(event, RejectConnection):
                    self.status = event.status_code
                    self._reject_done = not event.has_body
                elif isinstance(event, RejectData):
                    self.body += event.data
                    self._reject_done = event.body_finished
                else:
                    self._handle(event)
            if self.status == 101:
                return

    _reject_done = False

    def _read(self, deadline: float) -> bool:
        """Feeds received bytes to wsproto; False when the peer closed the connection."""
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            if time.monotonic() >= deadline:
                raise
            return True
        self.conn.receive_data(data or None)
        return bool(data)

    def _handle(self, event: Event) -> None:
        if isinstance(event, Ping):
            self.pings += 1
            self.sock.sendall(self.conn.send(event.response()))
        elif isinstance(event, CloseConnection):
            self.close_code = event.code
            with contextlib.suppress(Exception):
                self.sock.sendall(self.conn.send(event.response()))
        self.events.append(event)

    def pump(self, until: Any, timeout: float = 5.0) -> None:
        """Reads until ``until()`` is true, the peer closes, or ``timeout`` (AssertionError)."""
        deadline = time.monotonic() + timeout
        while not until():
            if self.close_code is not None:
                return
            if time.monotonic() >= deadline:
                raise AssertionError("timed out waiting on the WebSocket")
            try:
                alive = self._read(deadline)
            except TimeoutError:
                raise AssertionError("timed out waiting on the WebSocket") from None
            for event in self.conn.events():
                self._handle(event)
            if not alive:
                return

    @property
    def texts(self) -> list[str]:
        return [e.data for e in self.events if isinstance(e, TextMessage)]

    def receive_texts(self, count: int, timeout: float = 5.0) -> list[str]:
        """The first ``count`` text frames (waits for them)."""
        self.pump(lambda: len(self.texts) >= count, timeout)
        assert len(self.texts) >= count, f"got {len(self.texts)} frames, closed {self.close_code}"
        return self.texts[:count]

    def wait_closed(self, timeout: float = 5.0) -> int | None:
        """The close code the server sent (None when it only dropped the connection)."""
        self.pump(lambda: self.close_code is not None, timeout)
        self.abort()
        return self.close_code

    def send_text(self, text: str) -> None:
        self.sock.sendall(self.conn.send(TextMessage(data=text)))

    def abort(self) -> None:
        """Drops the TCP connection without a closing handshake (a browser tab killed)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
