"""The socket under a live connection: whole writes, one at a time, a never-waiting offer, and
an end for a client that stops reading."""

from __future__ import annotations

import errno
import fcntl
import socket
import struct
import termios
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

TCP_INFO_SIZE = 136  # struct tcp_info up to tcpi_bytes_received (Linux 4.1+)
BYTES_ACKED_AT = 120  # offset of tcpi_bytes_acked (u64) in struct tcp_info


class WholeFrameSocket:
    """The connection's socket, with writes that are whole and one at a time.

    simple-websocket writes with ``socket.send`` from two threads (the stream's frames, and its
    reader thread's pings, pongs and close replies): a partial send or two interleaved writes
    corrupt the stream for a client that reads slowly. Here every write takes a lock and is
    sent whole (``sendall``). A client that stops reading altogether makes the kernel's send
    buffer fill: ``SO_SNDTIMEO`` then fails the write after ``send_timeout`` seconds, which ends
    the stream and frees its thread and subscription. The kernel's buffers take megabytes before
    that happens, so a write also fails once bytes have waited in them ``send_timeout`` seconds
    without the client acknowledging any (``Progress``). ``offer`` is the write of the publisher's
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
        self.progress = Progress(sock, send_timeout)
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
            if self._carry or self._queued or self.progress.stalled():
                self._queued.append(data)
                return False  # the connection's thread sends it, or ends a stalled client
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
        if self.progress.stalled():
            raise TimeoutError(errno.ETIMEDOUT, "the client has acknowledged nothing for a while")
        if self._carry:
            self._sock.sendall(self._carry)
            self._carry.clear()
        while self._queued:
            self._sock.sendall(self._queued.popleft())

    sendall = send

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Progress:
    """Whether the client still takes what is sent: ``stalled`` once bytes have been waiting in
    the kernel's send queue (``SIOCOUTQ``) for ``limit`` seconds while the client acknowledged
    none of them (``tcpi_bytes_acked``). A client that reads, however slowly, acknowledges; one
    that stopped reading (a frozen tab, a suspended laptop) does not. Never stalled where the
    kernel cannot tell (not Linux, not TCP)."""

    def __init__(
        self, sock: socket.socket, limit: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sock = sock
        self._limit = limit
        self._clock = clock
        self._acked = -1
        self._waiting_since: float | None = None
        self._known = True

    def stalled(self) -> bool:
        if not self._known:
            return False
        try:
            queued = struct.unpack("i", fcntl.ioctl(self._sock, termios.TIOCOUTQ, b"\0" * 4))[0]
            info = self._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_SIZE)
            acked = struct.unpack_from("Q", info, BYTES_ACKED_AT)[0]
        except (OSError, ValueError, AttributeError, struct.error):
            self._known = False  # not a TCP socket here (or closed): the send timeout decides
            return False
        now = self._clock()
        if queued == 0 or acked != self._acked:
            self._acked = acked
            self._waiting_since = now if queued else None
            return False
        if self._waiting_since is None:
            self._waiting_since = now
        return now - self._waiting_since >= self._limit


def _is_close_frame(data: bytes) -> bool:
    return bool(data) and data[0] & 0x0F == 0x8


def _is_data_frame(data: bytes) -> bool:
    return bool(data) and data[0] & 0x0F in (0x0, 0x1, 0x2)
