"""A WebSocket client that never reads must cost neither the other clients nor memory.

An in-process server samples fake hosts with large samples (64 cores, 2 x 200 processes with
long command lines: about 190 KB of JSON each) every 0.05 s. One raw client completes the
handshake with a tiny receive buffer and never reads; a normal client reads everything.
"""

from __future__ import annotations

import contextlib
import gc
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import CloseConnection, Ping, Request, TextMessage

from app.config import Config
from app.live import route
from app.runtime.monitor import Monitor
from app.web.factory import create_app
from tests.faults.figures import record
from tests.faults.support import (
    TimedClient,
    raw_websocket,
    rss_kb,
    stream_problems,
    tolerating_simple_websocket_races,
)
from tests.live.fakes import SECTIONS, FakeHost, SectionCollector
from tests.live.server import LiveServer, live_config
from tests.support.polling import wait_for
from tests.support.servers import abort, free_port

INTERVAL = 0.05
PROCESSES = 200
QUEUE = 40  # messages queued per subscriber before the oldest is dropped (2 s here)
BACKLOG_S = 1.0  # the hub's ring: 20 messages


class LargeHost(FakeHost):
    """A fake host whose samples are large: many cores, many processes, long command lines."""

    def __init__(self) -> None:
        super().__init__(cores=64)
        self.rows = [
            {
                "pid": 1000 + i,
                "name": f"worker-{i}",
                "user": "svc",
                "cpu": float(i % 50),
                "rss": (i + 1) * 2**20,
                "mem": 0.5,
                "threads": 4,
                "status": "sleeping",
                "cmdline": f"/opt/svc/bin/worker-{i} " + " ".join(f"--opt{j}=v" for j in range(40)),
            }
            for i in range(PROCESSES)
        ]

    def _build(self, tick: int) -> dict[str, Any]:
        sample = super()._build(tick)
        sample["processes"]["top_cpu"] = list(self.rows)
        sample["processes"]["top_mem"] = self.rows[::-1]
        return sample


def large_collectors(_config: Config) -> list[SectionCollector]:
    host = LargeHost()
    return [SectionCollector(name, host) for name in SECTIONS]


class LargeSampleServer(LiveServer):
    """LiveServer with the large fake host."""

    def __init__(self, config: Config) -> None:  # same parts as LiveServer, other collectors
        self.config = config
        self.monitor = Monitor(config, collector_factory=large_collectors)
        self.dash_app = create_app(config, monitor=self.monitor)
        self.port = free_port()
        self._server = None
        self._thread = None


@contextlib.contextmanager
def large_sample_server(tmp_path: Path, ws_ping_interval: float) -> Iterator[LargeSampleServer]:
    """A started LargeSampleServer (0.05 s, small backlog and queues), closed on the way out."""
    config = live_config(
        tmp_path,
        interval=INTERVAL,
        backlog_seconds=BACKLOG_S,
        subscriber_queue=QUEUE,
        hostname="faults-large",
        ws_ping_interval=ws_ping_interval,
    )
    server = LargeSampleServer(config).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def thread_races() -> Iterator[Counter]:
    seen: Counter = Counter()
    yield seen
    record(
        "Known simple-websocket thread races in the slow-client tests",
        [(race, count) for race, count in seen.items()] or [("none", 0)],
    )


@pytest.fixture(autouse=True)
def _tolerate_races(thread_races: Counter) -> Iterator[None]:
    with tolerating_simple_websocket_races(thread_races):
        yield


@pytest.fixture
def large_server(tmp_path: Path) -> Any:
    # The stuck client must stay connected through this test's phases: the send timeout that
    # ends it (max(1 s, ping interval)) is the next test's subject.
    with large_sample_server(tmp_path, ws_ping_interval=300.0) as server:
        yield server


def dropped(server: LiveServer) -> int:
    return server.monitor.hub.health()["dropped_live"]


def subscribers(server: LiveServer) -> int:
    return server.monitor.hub.health()["subscribers"]


def test_a_client_that_never_reads_costs_the_others_nothing(large_server: LiveServer) -> None:
    server = large_server
    hub = server.monitor.hub
    newest = wait_for(lambda: len(hub.backlog()) >= 5 and hub.latest(), message="samples")
    size = len(newest.payload)
    normal = TimedClient(server.port, f"?since={newest.ts}")
    stuck = None
    try:
        wait_for(lambda: len(normal.arrivals) >= 10, message="the normal client streaming")
        gc.collect()
        rss_start = rss_kb()
        published_start = hub.published
        stuck = raw_websocket(server.port, rcvbuf=4096)
        wait_for(lambda: subscribers(server) == 2, message="the stuck client subscribed")
        wait_for(lambda: dropped(server) > 0, timeout=30, message="drops for the stuck client")
        gc.collect()
        rss_stuck = rss_kb()
        dropped_stuck, published_stuck = dropped(server), hub.published
        wait_for(
            lambda: dropped(server) >= dropped_stuck + 150,
            timeout=40,
            message="150 more drops",
        )
        gc.collect()
        rss_end = rss_kb()
        published_end = hub.published
        assert subscribers(server) == 2  # the stuck client is still connected, still stuck
        received = list(normal.arrivals)
    finally:
        if stuck is not None:
            abort(stuck)
        wait_for(lambda: subscribers(server) <= 1, timeout=10, message="stuck client released")
        normal.close()
    phase_mb = (published_end - published_stuck) * size / 2**20
    # Every sample, in order; arrival times at 0.05 s in one busy process are only reported.
    problems, longest = stream_problems(received, INTERVAL, timing=False)
    record(
        "A WebSocket client that never reads (in-process server, 0.05 s, large samples)",
        [
            ("sample size (bytes of JSON)", size),
            (
                "samples published while the stuck client was connected",
                published_end - published_start,
            ),
            ("messages dropped for the stuck client (dropped_live)", dropped(server)),
            (
                "normal client: frames received / gaps or disorder",
                f"{len(received)} / {len(problems)}",
            ),
            ("normal client: longest wait between two frames (s)", longest),
            ("RSS of the test process before the stuck client (MiB)", rss_start / 1024),
            ("RSS growth until the first drop (MiB)", (rss_stuck - rss_start) / 1024),
            (
                f"RSS growth over the next {published_end - published_stuck} samples "
                f"({phase_mb:.0f} MiB of JSON) (MiB)",
                (rss_end - rss_stuck) / 1024,
            ),
        ],
    )
    assert not problems, problems[:10]
    assert dropped(server) > 0
    # What the hub may hold at once: its ring (20 messages) and each subscriber's queue (40),
    # all sharing the same ~190 KB strings: (20 + 2 * 40) * 190 KB = 19 MB. An unbounded queue
    # for the stuck client would instead grow by every message published meanwhile.
    bound_kb = 2 * (20 + 2 * QUEUE) * size / 1024
    assert rss_end - rss_start < bound_kb + 16 * 1024, (rss_start, rss_stuck, rss_end)
    assert rss_end - rss_stuck < min(16 * 1024, phase_mb * 1024 / 2)


def wait_released(
    server: LiveServer, connected: float, timeout: float, why: str
) -> tuple[str, AssertionError | None]:
    """Waits until the server has ended its one stuck client; (how long it took since
    ``connected``, or how long it was waited for, and the failure if it never did)."""
    try:
        wait_for(
            lambda: subscribers(server) == 0 and len(server.sockets) == 0,
            timeout=timeout,
            message=f"the stuck client disconnected by the server ({why})",
        )
    except AssertionError as failure:
        return f"not after {time.monotonic() - connected:.1f} s", failure
    return f"{time.monotonic() - connected:.1f} s", None


def test_a_client_that_never_reads_is_disconnected(tmp_path: Path) -> None:
    """docs/websocket.md: "a client that stops answering (no pong before the next ping) is
    closed", and a client that goes away frees its thread and subscription. A client that
    never reads answers no ping either, so with pings every 0.5 s its connection must end
    within a few seconds, not hold a server thread and a hub subscription forever."""
    with large_sample_server(tmp_path, ws_ping_interval=0.5) as server:
        stuck = None
        try:
            wait_for(lambda: len(server.monitor.hub.backlog()) >= 5, message="samples")
            stuck = raw_websocket(server.port, rcvbuf=4096)
            connected = time.monotonic()
            # Its queue may overflow first (drops counted) or its send time out first, depending
            # on the machine's speed; either way the server must end it.
            released, failure = wait_released(server, connected, 30, "ping timeout")
            record(
                "A client that never reads, with pings every 0.5 s",
                [
                    ("subscription and thread released by the server", released),
                    ("messages dropped for it meanwhile", dropped(server)),
                ],
            )
            if failure is not None:
                raise failure
        finally:
            if stuck is not None:
                abort(stuck)


class SlowReader:
    """A WebSocket client on a slow link: a 4 KiB receive buffer, ``rate`` bytes a second."""

    def __init__(self, port: int, rate: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.conn = WSConnection(ConnectionType.CLIENT)
        origin = [("Origin", f"http://127.0.0.1:{port}")]
        request = Request(host=f"127.0.0.1:{port}", target="/ws/metrics", extra_headers=origin)
        self.sock.sendall(self.conn.send(request))
        self.rate = rate
        self.seqs: list[int] = []
        self.bad_frames: list[str] = []
        self.pings = 0
        self.close_code: int | None = None
        self._text = ""

    def read(self, frames: int, timeout: float) -> None:
        """Reads at ``rate`` until ``frames`` text frames, a close, or ``timeout``."""
        started = time.monotonic()
        taken = 0
        while len(self.seqs) < frames and self.close_code is None:
            elapsed = time.monotonic() - started
            assert elapsed < timeout, f"{len(self.seqs)} frames in {timeout} s"
            ahead = taken / self.rate - elapsed
            if ahead > 0:  # the link is slow: the client takes no more than `rate` bytes/s
                threading.Event().wait(ahead)
            try:
                data = self.sock.recv(2048)
            except ConnectionResetError:
                data = b""
            if not data:
                self.bad_frames.append(f"connection dropped after {len(self.seqs)} frames")
                return
            taken += len(data)
            self.conn.receive_data(data)
            for event in self.conn.events():
                self._handle(event)

    def _handle(self, event: object) -> None:
        if isinstance(event, TextMessage):
            self._text += event.data
            if event.message_finished:
                try:
                    self.seqs.append(json.loads(self._text)["seq"])
                except ValueError as exc:
                    self.bad_frames.append(f"{exc}: {self._text[:60]!r}")
                self._text = ""
        elif isinstance(event, Ping):
            self.pings += 1
            self.sock.sendall(self.conn.send(event.response()))
        elif isinstance(event, CloseConnection):
            self.close_code = event.code
            self.bad_frames.append(f"closed {event.code}: {event.reason}")

    def close(self) -> None:
        abort(self.sock)


def test_a_slow_client_gets_intact_frames_while_the_server_pings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keepalive ping must not corrupt a frame that is still being written. simple-websocket
    sends pings from its own thread while the stream thread may be blocked in the middle of a
    large frame on a slow link; the two writes must not interleave on the socket.

    The reader shares this process (and its GIL) with a server encoding 190 KB samples 20 times
    a second, so on a loaded machine it can be starved for a second or two. Ending a client that
    acknowledges nothing for that long is the stall detector's job (tested on its own below), so
    here the send timeout is raised well above such stalls and pings come every 3 s: what is
    left to fail is a corrupt frame.
    """
    monkeypatch.setattr(route, "MIN_SEND_TIMEOUT_S", 30.0)
    with large_sample_server(tmp_path, ws_ping_interval=3.0) as server:
        client = None
        try:
            wait_for(lambda: len(server.monitor.hub.backlog()) >= 5, message="samples")
            client = SlowReader(server.port, rate=2_000_000)  # ~9 samples a second of 20
            client.read(frames=80, timeout=40)
        finally:
            record(
                "A slow client (2 MB/s) while the server pings every 3 s",
                [
                    ("intact frames received", len(client.seqs) if client else 0),
                    ("pings answered", client.pings if client else 0),
                    (
                        "corrupt frames or protocol closes",
                        "; ".join(client.bad_frames) if client else "",
                    ),
                ],
            )
            if client is not None:
                client.close()
    assert client.bad_frames == []
    assert len(client.seqs) >= 80 and client.seqs == sorted(set(client.seqs))
    assert client.pings >= 2  # pings did cross the large frames


def test_a_client_that_stops_reading_is_disconnected_with_pings_off(tmp_path: Path) -> None:
    """With pings off nothing asks the client for an answer, and small samples take minutes to
    fill the kernel's send buffer (it grows to 4 MiB): the server must still end a connection
    whose client acknowledges nothing for the send timeout (10 s without pings)."""
    server = LiveServer(live_config(tmp_path, ws_ping_interval=0)).start()
    stuck = None
    try:
        wait_for(lambda: len(server.monitor.hub.backlog()) >= 5, message="samples")
        size = len(server.monitor.hub.latest().payload)
        stuck = raw_websocket(server.port, rcvbuf=4096)
        connected = time.monotonic()
        wait_for(lambda: subscribers(server) == 1, message="the stuck client subscribed")
        released, failure = wait_released(server, connected, 40, "no acknowledgement")
        record(
            "A client that stops reading, with pings off (0.2 s, small samples)",
            [
                ("sample size (bytes of JSON)", size),
                ("subscription and thread released by the server after", released),
                ("messages dropped for it meanwhile", dropped(server)),
            ],
        )
        if failure is not None:
            raise failure
        assert time.monotonic() - connected >= 9  # not before it was stuck the whole time
    finally:
        if stuck is not None:
            abort(stuck)
        server.close()
