"""/ws/metrics end to end: a real threaded server, a real sampler at 0.2 s, a raw client."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import threading

import pytest
from wsproto.events import CloseConnection
from wsproto.extensions import PerMessageDeflate

from app.hub import LiveHub
from app.live.frames import KEYFRAME_EVERY
from app.live.route import MAX_MESSAGE_SIZE, STREAMS_KEY, GoneResponse, client_gone
from app.live.stream import CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_TOO_BIG
from app.live.transport import WholeFrameSocket
from tests.live.conftest import ServerFactory
from tests.live.server import LiveServer
from tests.live.wsclient import WsClient
from tests.support.polling import wait_for
from tests.support.samples import make_sample


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


class WholePayloads:
    """The exact JSON of every sample published from now on, by seq, recorded as the hub
    publishes it (the hub later keeps only each host's newest whole)."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub
        self.by_seq: dict[int, str] = {}
        hub.add_publish_hook(lambda message: self.by_seq.setdefault(message.seq, message.payload))
        wait_for(lambda: self.by_seq, message="a sample published after the recording began")

    def kinds(self, texts: list[str]) -> list[str]:
        """Each text's kind: "thin" (its sample's thin form) or "whole" (the exact JSON
        published); the thin ones all come first (the backlog but its newest)."""
        by_seq = {m.seq: m for m in self.hub.backlog()}
        found = []
        for text in texts:
            seq = json.loads(text)["seq"]
            if text == by_seq[seq].thin:
                found.append("thin")
            else:
                assert text == self.by_seq[seq]
                found.append("whole")
        assert found == sorted(found, key=lambda kind: kind == "whole")
        return found


def test_backlog_first_then_every_new_sample_in_order(server: LiveServer) -> None:
    hub = server.monitor.hub
    published = WholePayloads(hub)
    backlog = hub.backlog()
    client = WsClient(server.port, origin=server.origin)
    assert client.status == 101
    texts = client.receive_texts(len(backlog) + 4)
    # the backlog oldest first, thin but for the newest; then every sample whole, verbatim
    assert texts[: len(backlog) - 1] == [m.thin for m in backlog[:-1]]
    assert published.kinds(texts)[len(backlog) - 1 :] == ["whole"] * 5
    samples = [json.loads(text) for text in texts]
    assert [s["v"] for s in samples] == [1] * len(samples)
    seqs = [s["seq"] for s in samples]
    assert seqs == sorted(set(seqs))
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
    published = WholePayloads(hub)
    client = WsClient(server.port, origin=server.origin, extensions=[PerMessageDeflate(**offer)])
    assert client.status == 101
    count = len(hub.backlog()) + KEYFRAME_EVERY + 3
    texts = client.receive_texts(count, timeout=count * 0.2 + 10)
    seqs = [json.loads(text)["seq"] for text in texts]
    assert seqs == list(range(seqs[0], seqs[0] + count))  # no gap, no repeat
    assert published.kinds(texts).count("whole") >= KEYFRAME_EVERY + 3  # each the hub's exact JSON
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


def close_reason(client: WsClient) -> str:
    return next(e.reason for e in client.events if isinstance(e, CloseConnection))


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("host=nope", "unknown host 'nope'"),
        ("since=1e300", "since is 1e+300 s ahead of this server's clock: no sample would come"),
        ("since=9e9&host=live-test", "ahead of this server's clock"),
    ],
)
def test_a_query_that_can_never_be_served_is_closed_with_1008_and_the_reason(
    server: LiveServer, query: str, reason: str
) -> None:
    client = WsClient(server.port, f"/ws/metrics?{query}", origin=server.origin)
    assert client.status == 101  # upgraded, so that a browser can read the reason
    assert client.wait_closed() == CLOSE_POLICY
    assert reason in close_reason(client)
    assert client.texts == []
    wait_for(lambda: len(server.sockets) == 0, message="no connection left")


def test_a_stored_host_that_is_not_reporting_is_no_unknown_host(server: LiveServer) -> None:
    server.monitor.store.write_batch([make_sample(0, host="quiet-host", ts0=1.7e9)])
    client = WsClient(server.port, "/ws/metrics?host=quiet-host", origin=server.origin)
    assert client.status == 101
    with pytest.raises(AssertionError, match="timed out"):  # open and quiet: nothing new yet
        client.pump(lambda: client.close_code is not None, timeout=1.0)
    assert client.texts == []
    client.abort()


def test_a_client_that_goes_away_during_the_upgrade_is_a_quiet_disconnect(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The socket closed under the route while it sets the connection up (EBADF from
    setsockopt): no 'Exception on /ws/metrics', one debug line."""
    raw = socket.socket()
    raw.close()
    with caplog.at_level(logging.DEBUG, logger="app.live.route"):
        with pytest.raises(OSError):
            WholeFrameSocket(raw, 1.0)
        response = client_gone(OSError(9, "Bad file descriptor"))
    assert isinstance(response, GoneResponse)
    assert [r.levelname for r in caplog.records] == ["DEBUG"]
    assert "gone during setup" in caplog.records[0].getMessage()


def test_close_all_aborts_a_connection_that_does_not_close(server: LiveServer) -> None:
    """A connection that does not end when asked (its write blocked on a client that stopped
    reading) is shut down after the timeout."""
    aborted = threading.Event()
    sockets = server.sockets
    with sockets.track(abort=aborted.set) as stop:
        assert sockets.close_all(timeout=0.05) is False
        assert stop.is_set() and aborted.is_set()
    assert sockets.close_all(timeout=0.05) is True


def test_a_connection_that_opens_while_the_server_goes_away_is_asked_to_close(
    server: LiveServer,
) -> None:
    sockets = server.sockets
    assert sockets.close_all(timeout=1, for_good=True)
    client = WsClient(server.port, origin=server.origin)
    assert client.status == 101
    assert client.wait_closed() == CLOSE_GOING_AWAY
