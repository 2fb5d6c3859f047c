"""``stream``: the loop behind one WebSocket, against a real hub and a fake socket."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from simple_websocket import ConnectionClosed

from app.hub import LiveHub
from app.live.stream import CLOSE_GOING_AWAY, CLOSE_POLICY, StreamQuery, stream
from tests.support.polling import wait_for
from tests.support.samples import make_sample


class FakeSocket:
    """What ``stream`` uses of a simple-websocket Server; records what was sent."""

    def __init__(self) -> None:
        self.connected = True
        self.sent: list[str] = []
        self.incoming: list[str] = []
        self.close_code: int | None = None

    def send(self, data: str) -> None:
        if not self.connected:
            raise ConnectionClosed()
        self.sent.append(data)

    def receive(self, timeout: float | None = None) -> str | None:
        return self.incoming.pop(0) if self.incoming else None

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        self.close_code = reason
        self.connected = False

    @property
    def seqs(self) -> list[int]:
        return [json.loads(text)["seq"] for text in self.sent]


@contextmanager
def streaming(
    hub: LiveHub, ws: FakeSocket, query: StreamQuery | None = None
) -> Iterator[threading.Event]:
    """Runs ``stream`` in a thread; stops it (and waits for it) on the way out."""
    stop = threading.Event()
    thread = threading.Thread(target=stream, args=(ws, hub, query or StreamQuery(), stop))
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(5)
        assert not thread.is_alive()


def test_backlog_thin_but_the_newest_then_live_messages_verbatim_without_duplicates() -> None:
    hub = LiveHub()
    backlog = [hub.publish(make_sample(i)) for i in range(3)]
    ws = FakeSocket()
    with streaming(hub, ws):
        wait_for(lambda: len(ws.sent) == 3, message="backlog")
        hub.publish_message(backlog[2])  # published again: not sent twice
        live = hub.publish(make_sample(3))
        wait_for(lambda: len(ws.sent) == 4, message="live sample")
    # the backlog's older samples as their thin form (what the graphs draw), its newest whole
    assert ws.sent == [backlog[0].thin, backlog[1].thin, backlog[2].payload, live.payload]
    assert json.loads(ws.sent[0])["thin"] is True and "thin" not in json.loads(ws.sent[2])
    assert ws.close_code == CLOSE_GOING_AWAY
    assert hub.health()["subscribers"] == 0


def test_since_and_host_filter_backlog_and_live() -> None:
    hub = LiveHub()
    for i in range(4):
        hub.publish(make_sample(i, host="a"))
        hub.publish(make_sample(i, host="b"))
    ws = FakeSocket()
    since = make_sample(1)["ts"]
    with streaming(hub, ws, StreamQuery(since=since, host="a")):
        hub.publish(make_sample(4, host="b"))
        hub.publish(make_sample(4, host="a"))
        wait_for(lambda: len(ws.sent) == 3, message="a's samples after since")
    assert ws.seqs == [2, 3, 4]
    assert {json.loads(text)["host"] for text in ws.sent} == {"a"}


def test_a_client_frame_closes_with_policy_violation() -> None:
    hub = LiveHub()
    ws = FakeSocket()
    ws.incoming.append('{"hello": 1}')
    stream(ws, hub, StreamQuery())  # returns by itself
    assert ws.close_code == CLOSE_POLICY
    assert hub.health()["subscribers"] == 0


def test_a_vanished_client_ends_the_stream_and_frees_the_subscription() -> None:
    hub = LiveHub()
    ws = FakeSocket()
    thread = threading.Thread(target=stream, args=(ws, hub, StreamQuery()))
    thread.start()
    wait_for(lambda: hub.health()["subscribers"] == 1, message="subscribed")
    ws.connected = False  # what simple-websocket's reader thread does on EOF
    thread.join(5)
    assert not thread.is_alive()
    assert hub.health()["subscribers"] == 0
