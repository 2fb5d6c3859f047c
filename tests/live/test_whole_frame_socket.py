"""``WholeFrameSocket`` on a real socket pair: writes never interleave, ``offer`` never waits."""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator

import pytest

from app.live.transport import Progress, WholeFrameSocket
from tests.support.polling import wait_for


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    yield server, client
    server.close()
    client.close()


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    sock.settimeout(10)
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "peer closed early"
        data += chunk
    return bytes(data)


def test_what_offer_cannot_send_goes_first_on_the_next_write(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    sock = WholeFrameSocket(server, send_timeout=10)
    big = bytes(range(256)) * 4096  # 1 MiB: far more than the buffers hold
    assert sock.offer(big) is False  # part of it went, the rest waits
    assert sock.offer(b"next frame") is False  # behind the rest, whole
    received: list[bytes] = []
    reader = threading.Thread(
        target=lambda: received.append(read_exactly(client, len(big) + 10 + 4))
    )
    reader.start()
    sock.send(b"ping")  # another writer: the waiting bytes go first
    reader.join(10)
    assert received == [big + b"next frame" + b"ping"]
    assert sock.offer(b"small") is True  # nothing waits any more: sent at once
    assert read_exactly(client, 5) == b"small"


def test_offer_does_not_wait_for_a_writer_stuck_on_a_full_buffer(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    sock = WholeFrameSocket(server, send_timeout=30)
    big = b"x" * (1 << 20)
    stuck = threading.Thread(target=sock.send, args=(big,))  # blocks: nobody reads yet
    stuck.start()
    # Its first bytes are on the way: it holds the socket for the rest of its write.
    wait_for(lambda: select.select([client], [], [], 0)[0], message="the big write started")
    assert sock.offer(b"frame") is False  # returned at once, queued behind the stuck write
    assert stuck.is_alive()
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(read_exactly(client, len(big) + 5)))
    reader.start()
    stuck.join(10)
    sock.flush()
    reader.join(10)
    assert received == [big + b"frame"]


def test_no_data_frame_follows_a_close_frame(pair: tuple[socket.socket, socket.socket]) -> None:
    server, client = pair
    sock = WholeFrameSocket(server, send_timeout=10)
    text_frame, close_frame, pong_frame = b"\x81\x02hi", b"\x88\x02\x03\xe9", b"\x8a\x00"
    sock.send(text_frame)
    sock.send(close_frame)
    sock.send(text_frame)  # the connection's thread, late
    assert sock.offer(text_frame) is True  # the publisher's thread, late: dropped, not queued
    sock.send(pong_frame)  # control frames may still go
    expected = text_frame + close_frame + pong_frame
    assert read_exactly(client, len(expected)) == expected
    server.shutdown(socket.SHUT_WR)
    assert client.recv(10) == b""  # nothing else was sent


def test_offer_never_raises_the_connections_thread_meets_the_error(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    sock = WholeFrameSocket(server, send_timeout=10)
    client.close()  # the browser is gone
    assert sock.offer(b"\x81\x02hi") in (True, False)  # the first write may still be accepted
    assert sock.offer(b"\x81\x02hi") is False  # a broken pipe: kept, not raised
    with pytest.raises(OSError):
        sock.flush()


def test_only_a_plain_blocking_socket_is_offered_to() -> None:
    a, b = socket.socketpair()
    with a, b:
        assert WholeFrameSocket(a, send_timeout=1).can_offer
        a.settimeout(2.0)  # Python would wait for room before a MSG_DONTWAIT send
        assert not WholeFrameSocket(a, send_timeout=1).can_offer


@pytest.fixture
def tcp_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A loopback TCP connection whose client side has a small receive buffer."""
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    yield server, client
    server.close()
    client.close()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def fill(sock: socket.socket) -> int:
    """Sends until the kernel takes no more; the bytes sent."""
    sent = 0
    while True:
        try:
            sent += sock.send(b"x" * 65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return sent


def test_a_client_that_acknowledges_nothing_stalls_after_the_limit(
    tcp_pair: tuple[socket.socket, socket.socket],
) -> None:
    server, _client = tcp_pair
    clock = Clock()
    progress = Progress(server, limit=5.0, clock=clock)
    assert not progress.stalled()  # nothing waiting
    fill(server)  # the client reads nothing: its window closes, bytes wait in our queue
    wait_for(lambda: not progress.stalled() and progress._waiting_since is not None)
    clock.now = 4.9
    assert not progress.stalled()
    clock.now = 5.0
    assert progress.stalled()


def test_a_client_that_reads_however_slowly_never_stalls(
    tcp_pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = tcp_pair
    clock = Clock()
    progress = Progress(server, limit=5.0, clock=clock)
    sent = fill(server)
    received = 0
    for step in range(1, 6):
        clock.now = 4.0 * step  # more than the limit in all, never that long without progress
        received += len(client.recv(4096))
        wait_for(lambda: not progress.stalled())
    client.settimeout(10)
    while received < sent:  # everything read: nothing waits any more
        received += len(client.recv(65536))
    clock.now += 100
    wait_for(lambda: not progress.stalled())
    assert progress._waiting_since is None


def test_progress_on_a_socket_the_kernel_cannot_tell_about_never_stalls(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, _client = pair  # a Unix socket: no TCP_INFO
    clock = Clock()
    progress = Progress(server, limit=0.0, clock=clock)
    server.send(b"x" * 1000)
    clock.now = 100
    assert not progress.stalled()
