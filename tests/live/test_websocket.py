"""/ws/metrics end to end: a real threaded server, a real sampler at 0.2 s, a raw client."""

from __future__ import annotations

import itertools
import json

import pytest
from wsproto.extensions import PerMessageDeflate

from app.live.frames import KEYFRAME_EVERY
from app.live.route import MAX_MESSAGE_SIZE, STREAMS_KEY
from app.live.stream import CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_TOO_BIG
from tests.live.conftest import ServerFactory
from tests.live.server import LiveServer
from tests.live.wsclient import WsClient
from tests.support.polling import wait_for


def subscribers(server: LiveServer) -> int:
    return server.monitor.hub.health()["subscribers"]


def test_a_foreign_origin_gets_403_before_the_upgrade(server: LiveServer) -> None:
    client = WsClient(server.port, origin="http://evil.example")
    assert client.status == 403
    assert json.loads(client.body) == {
        "error": "origin not allowed",
        "origin": "http://evil.example",
    }
    assert client.texts == []
    assert subscribers(server) == 0
    client.abort()


@pytest.mark.parametrize(("allow_no_origin", "status"), [(False, 403), (True, 101)])
def test_no_origin_is_allowed_only_when_configured(
    make_server: ServerFactory, allow_no_origin: bool, status: int
) -> None:
    server = make_server(allow_no_origin=allow_no_origin)
    client = WsClient(server.port, origin=None)
    assert client.status == status
    client.abort()


def test_configured_origins_are_allowed(make_server: ServerFactory) -> None:
    server = make_server(allowed_origins=("https://grafana.example",))
    allowed = WsClient(server.port, origin="https://GRAFANA.example:443")
    assert allowed.status == 101
    allowed.abort()
    assert WsClient(server.port, origin="https://grafana.example:8443").status == 403


def test_a_malformed_since_is_400(server: LiveServer) -> None:
    client = WsClient(server.port, "/ws/metrics?since=yesterday", origin=server.origin)
    assert client.status == 400
    assert json.loads(client.body)["parameter"] == "since"


def test_backlog_first_then_every_new_sample_in_order(server: LiveServer) -> None:
    hub = server.monitor.hub
    backlog = hub.backlog()
    client = WsClient(server.port, origin=server.origin)
    assert client.status == 101
    texts = client.receive_texts(len(backlog) + 4)
    assert texts[: len(backlog)] == [m.payload for m in backlog]  # verbatim, oldest first
    published = {m.seq: m.payload for m in hub.backlog()}
    samples = [json.loads(text) for text in texts]
    assert [s["v"] for s in samples] == [1] * len(samples)
    seqs = [s["seq"] for s in samples]
    assert seqs == sorted(set(seqs))
    assert all(published[s["seq"]] == text for s, text in zip(samples, texts, strict=True))
    # one new sample per interval: consecutive slots are exactly 0.2 s apart
    for before, after in itertools.pairwise(samples):
        assert after["ts"] - before["ts"] == pytest.approx(0.2 * (after["seq"] - before["seq"]))
    client.abort()


def test_since_limits_the_backlog_to_newer_samples(server: LiveServer) -> None:
    hub = server.monitor.hub
    wait_for(lambda: len(hub.backlog()) >= 5, message="five samples")
    cut = hub.backlog()[2]
    client = WsClient(server.port, f"/ws/metrics?since={cut.ts}", origin=server.origin)
    first, second = (json.loads(t) for t in client.receive_texts(2))
    assert (first["seq"], second["seq"]) == (cut.seq + 1, cut.seq + 2)
    client.abort()


def test_a_client_message_closes_the_socket_with_1008(server: LiveServer) -> None:
    client = WsClient(server.port, origin=server.origin)
    client.receive_texts(1)
    client.send_text("this is not a control message")
    assert client.wait_closed() == CLOSE_POLICY
    wait_for(lambda: subscribers(server) == 0, message="subscription released")


def test_an_oversized_frame_closes_the_socket_with_1009(server: LiveServer) -> None:
    client = WsClient(server.port, origin=server.origin)
    client.receive_texts(1)
    client.send_text("x" * (MAX_MESSAGE_SIZE + 1))
    assert client.wait_closed() == CLOSE_TOO_BIG
    wait_for(lambda: subscribers(server) == 0, message="subscription released")


def test_a_client_that_vanishes_frees_its_thread_and_subscription(server: LiveServer) -> None:
    clients = [WsClient(server.port, origin=server.origin) for _ in range(3)]
    for client in clients:
        client.receive_texts(1)
    assert subscribers(server) == 3 and len(server.sockets) == 3
    clients[0].abort()
    wait_for(lambda: subscribers(server) == 2, timeout=3, message="one subscription released")
    for client in clients[1:]:
        client.abort()
    wait_for(lambda: subscribers(server) == 0 and len(server.sockets) == 0, timeout=3)


def test_idle_connections_get_keepalive_pings(make_server: ServerFactory) -> None:
    server = make_server(ws_ping_interval=0.3, interval=60.0)  # no sample for a minute
    client = WsClient(server.port, origin=server.origin)
    client.pump(lambda: client.pings >= 2, timeout=5)
    assert client.pings >= 2 and client.close_code is None  # answered pongs keep it open
    client.abort()


def test_shutdown_closes_every_socket_with_going_away(server: LiveServer) -> None:
    client = WsClient(server.port, origin=server.origin)
    client.receive_texts(1)
    assert server.sockets.close_all(timeout=3)
    assert client.wait_closed() == CLOSE_GOING_AWAY
    assert subscribers(server) == 0


@pytest.mark.parametrize(
    "offer",
    [
        {},  # what browsers offer: the shared stream
        {"server_no_context_takeover": True},  # compressed per connection
        {"server_max_window_bits": 10},  # compressed per connection, smaller window
    ],
    ids=["shared", "no-context-takeover", "small-window"],
)
def test_compressed_streams_decode_to_every_sample_in_order(
    server: LiveServer, offer: dict[str, object]
) -> None:
    """Through the first keyframe and beyond: every frame inflates to the hub's exact JSON."""
    hub = server.monitor.hub
    client = WsClient(server.port, origin=server.origin, extensions=[PerMessageDeflate(**offer)])
    assert client.status == 101
    count = len(hub.backlog()) + KEYFRAME_EVERY + 3
    texts = client.receive_texts(count, timeout=count * 0.2 + 10)
    published = {m.seq: m.payload for m in hub.backlog()}
    seqs = [json.loads(text)["seq"] for text in texts]
    assert seqs == list(range(seqs[0], seqs[0] + count))  # no gap, no repeat
    assert texts == [published[seq] for seq in seqs]
    shared_streams = len(server.dash_app.server.extensions[STREAMS_KEY])
    assert shared_streams == (1 if not offer else 0)
    # An idle connection in step gets its frames from the publisher's thread.
    assert (server.sockets.counts.direct > 0) == (not offer)
    client.abort()


def test_idle_connections_are_written_by_the_publishers_thread(server: LiveServer) -> None:
    clients = [WsClient(server.port, origin=server.origin) for _ in range(3)]  # plain frames
    backlog = len(server.monitor.hub.backlog())
    for client in clients:
        client.receive_texts(backlog + 10, timeout=15)
    counts = server.sockets.counts
    assert counts.direct >= 3 * 3  # live frames of every client, once its thread parked
    for client in clients:
        client.abort()
