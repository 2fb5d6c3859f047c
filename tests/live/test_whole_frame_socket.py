"""``WholeFrameSocket`` on a real socket pair: writes never interleave, ``offer`` never waits."""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator

import pytest

from app.live_ws import WholeFrameSocket
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
