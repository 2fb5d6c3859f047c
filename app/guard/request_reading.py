"""How far one HTTP/1 request has come, read by ``slow_clients.GuardedThreadWorker``'s main loop.

Imported by the worker only, after the fork (gunicorn's master imports ``slow_clients`` for the
worker class and nothing of this): ``request_state`` judges the bytes read so far, ``answer``
sends a bodyless refusal, and ``GuardedConn`` is gthread's connection with the bytes the main
loop read and the deadline to send the rest by.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn.workers.gthread import TConn

MAX_HEADER = 64 * 1024
MAX_BODY = 2 * 1024 * 1024
MIN_BODY_RATE = 64 * 1024  # bytes a second a body may take beyond the timeout
READ_CHUNK = 64 * 1024

TIMEOUT = b"408 Request Timeout"
TOO_MANY = b"429 Too Many Requests"
BAD_REQUEST = b"400 Bad Request"
LENGTH_REQUIRED = b"411 Length Required"
TOO_LARGE = b"413 Content Too Large"
HEADERS_TOO_LARGE = b"431 Request Header Fields Too Large"


@dataclass(frozen=True)
class RequestState:
    """How far the bytes of one request have come."""

    complete: bool = False
    refusal: bytes | None = None  # the status to answer with instead
    body_length: int = 0
    expects_continue: bool = False


WAITING = RequestState()


def request_state(data: bytes | bytearray) -> RequestState:
    """Whether ``data`` holds a whole HTTP/1 request (headers and body), not yet, or one this
    worker refuses. gunicorn's parser judges the request itself afterwards."""
    start = 0
    while data.startswith(b"\r\n", start):  # empty lines before a request are ignored
        start += 2
    end = data.find(b"\r\n\r\n", start)
    if end < 0:
        return RequestState(refusal=HEADERS_TOO_LARGE) if len(data) > MAX_HEADER else WAITING
    if end - start > MAX_HEADER:
        return RequestState(refusal=HEADERS_TOO_LARGE)
    lengths: list[bytes] = []
    encoded = expects_continue = False
    for line in bytes(data[start:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length":
            lengths.append(value)
        elif name == b"transfer-encoding":
            encoded = True
        elif name == b"expect" and value.lower() == b"100-continue":
            expects_continue = True
    if encoded:
        return RequestState(refusal=LENGTH_REQUIRED)
    if not lengths:
        return RequestState(complete=True)
    if len(lengths) != 1 or not lengths[0].isdigit():
        return RequestState(refusal=BAD_REQUEST)
    length = int(lengths[0])
    if length > MAX_BODY:
        return RequestState(refusal=TOO_LARGE)
    if len(data) - (end + 4) >= length:
        return RequestState(complete=True)
    return RequestState(body_length=length, expects_continue=expects_continue)


def answer(sock: socket.socket, status: bytes) -> None:
    """Sends a bodyless final response if the socket takes it at once (best effort)."""
    message = b"HTTP/1.1 " + status + b"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    with contextlib.suppress(OSError):
        sock.setblocking(False)
        sock.send(message)


class GuardedConn(TConn):
    """A connection whose request the main loop reads first; ``release`` runs once at close."""

    def __init__(self, cfg: Any, sock: Any, client: Any, server: Any, release: Callable) -> None:
        super().__init__(cfg, sock, client, server)
        self.release: Callable[[], None] | None = release
        self.early: bytearray | None = None  # the request's bytes read so far by the main loop
        self.started = 0.0
        self.deadline = 0.0
        self.complete = False  # a whole request is in ``early``: the next dispatch is to a thread
        self.continued = False

    def close(self, graceful: bool = False) -> None:
        try:
            super().close(graceful)
        finally:
            release, self.release = self.release, None
            if release is not None:
                release()
