"""One client cannot stall the server (app/guard/slow_clients.py), under real gunicorn.

The worker gets 4 threads. Three times as many connections send their request headers (or
body) a byte at a time, each from its own loopback address; ``/healthz`` from another client
must still answer within a second, every time it is asked while they trickle. gunicorn's own
gthread worker, in the same set-up, does not answer at all: the test can tell. Requests that
take longer than ``MONITOR_REQUEST_READ_TIMEOUT`` get 408, one address gets at most
``MONITOR_CONNECTIONS_PER_CLIENT`` connections, and ordinary requests (split, pipelined,
``Expect: 100-continue``) are served as before.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.polling import wait_for
from tests.support.servers import GUNICORN, Process, abort, free_port, get_json, gunicorn

THREADS = 4
SLOW = 3 * THREADS
READ_TIMEOUT = 3.0
PER_CLIENT = 6


def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MONITOR_THREADS": str(THREADS),
        "MONITOR_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT),
        "MONITOR_CONNECTIONS_PER_CLIENT": str(PER_CLIENT),
    }


def started(server: Process, port: int) -> Process:
    wait_for(
        lambda: get_json(f"http://127.0.0.1:{port}/healthz"),
        timeout=60,
        message=f"the server\n{server.log()}",
    )
    return server


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    with gunicorn(port, env(tmp_path)) as server:
        started(server, port)
        yield port


def connect(port: int, source: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class Trickle:
    """Connections from addresses of their own that send ``start`` and then one byte every
    0.1 s, never finishing their request, until stopped."""

    def __init__(self, port: int, count: int, start: bytes, net: int = 1) -> None:
        self.socks = [connect(port, f"127.0.{net}.{i + 1}") for i in range(count)]
        for sock in self.socks:
            sock.sendall(start)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.1):  # the clients' pace, not a wait for the server
            for sock in self.socks:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.socks:
            abort(sock)


def healthz_seconds(port: int) -> float | None:
    """How long GET /healthz took from a client of its own, None if not within a second."""
    started_at = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
    except OSError:
        return None
    finally:
        connection.close()
    return time.monotonic() - started_at if response.status == 200 else None


def asked_while_trickling(port: int, times: int = 5) -> list[float | None]:
    return [healthz_seconds(port) for _ in range(times)]


HEADERS = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
BODY = b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"


@pytest.mark.parametrize("start", [HEADERS, BODY], ids=["slow headers", "slow body"])
def test_more_slow_clients_than_threads_do_not_stall_healthz(guarded: int, start: bytes) -> None:
    trickle = Trickle(guarded, SLOW, start)
    try:
        answers = asked_while_trickling(guarded)
        assert all(answer is not None and answer < 1.0 for answer in answers), answers
        # and the server ends them once they have had their time: 408, then the close
        first = trickle.socks[0]
        first.settimeout(READ_TIMEOUT + 5)
        reply = b""
        with contextlib.suppress(OSError):
            while chunk := first.recv(4096):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 408 "), reply
    finally:
        trickle.close()


def test_gunicorns_own_gthread_worker_is_stalled_by_them(tmp_path: Path) -> None:
    """The control: the stock worker, same threads and slow clients, answers nothing."""
    port = free_port()
    command = [GUNICORN, "-c", "/dev/null", "-k", "gthread", "--threads", str(THREADS)]
    command += ["-b", f"127.0.0.1:{port}", "wsgi:app"]
    with Process(command, env(tmp_path)) as server:
        started(server, port)
        trickle = Trickle(port, SLOW, HEADERS)
        try:
            assert healthz_seconds(port) is None
        finally:
            trickle.close()


def test_one_address_holds_at_most_its_share_of_connections(guarded: int) -> None:
    held = [connect(guarded, "127.0.2.1") for _ in range(PER_CLIENT)]
    try:
        refused = connect(guarded, "127.0.2.1")
        assert refused.recv(4096).startswith(b"HTTP/1.1 429 "), "the connection over the limit"
        abort(refused)
        assert healthz_seconds(guarded) is not None  # others are served meanwhile
        abort(held.pop())

        def served_again() -> bool:
            sock = connect(guarded, "127.0.2.1")
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = sock.recv(4096)
            abort(sock)
            return reply.startswith(b"HTTP/1.1 200 ")

        wait_for(served_again, timeout=10, message="a freed slot used again")
    finally:
        for sock in held:
            abort(sock)


def exchange(port: int, *parts: bytes) -> bytes:
    """Sends ``parts`` (each its own send), then reads until the server closes."""
    sock = connect(port, "127.0.0.1")
    for part in parts:
        sock.sendall(part)
    reply = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            reply += chunk
    abort(sock)
    return reply


def test_ordinary_requests_are_served_as_before(guarded: int) -> None:
    get = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    split = exchange(guarded, get[:10], get[10:], b"Connection: close\r\n\r\n")
    assert split.startswith(b"HTTP/1.1 200 "), split[:200]
    pipelined = exchange(guarded, get + b"\r\n" + get + b"Connection: close\r\n\r\n")
    assert pipelined.count(b"HTTP/1.1 200 ") == 2, pipelined[:400]
    expect = b"POST /api/v1/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
    expect += b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
    continued = exchange(guarded, expect, b"abc")
    assert continued.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), continued[:200]
    assert b"HTTP/1.1 405 " in continued  # the route's own answer, once the body is there


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
        (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", b"413"),
        (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000, b"431"),
    ],
    ids=["chunked", "too large", "bad length", "headers too large"],
)
def test_requests_it_cannot_bound_are_refused(
    guarded: int, request_bytes: bytes, status: bytes
) -> None:
    assert exchange(guarded, request_bytes).startswith(b"HTTP/1.1 " + status)
