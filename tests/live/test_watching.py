"""A live connection watches the host it follows while it is open (``LiveHub.watched``): on
PostgreSQL that is what brings its worker the host's whole samples (app.cluster.listener)."""

from __future__ import annotations

from app.hub.summary import summarize
from tests.live.server import LiveServer
from tests.live.wsclient import WsClient
from tests.support.polling import wait_for
from tests.support.samples import make_sample


def test_a_connection_watches_its_host_while_it_is_open(server: LiveServer) -> None:
    hub = server.monitor.hub
    hub.summaries.put(summarize(make_sample(1, host="edge-1")))  # known through its summaries
    own = server.config.hostname
    followers = [
        WsClient(server.port, "/ws/metrics?host=edge-1", origin=server.origin) for _ in range(2)
    ]
    plain = WsClient(server.port, origin=server.origin)  # no host: this server's own
    plain.receive_texts(1)
    wait_for(lambda: hub.watched.count("edge-1") == 2, timeout=3, message="two watchers")
    assert hub.watched.hosts() == {"edge-1", own}
    followers[0].abort()
    wait_for(lambda: hub.watched.count("edge-1") == 1, timeout=3, message="one watcher left")
    followers[1].abort()
    plain.abort()
    wait_for(lambda: not hub.watched.hosts(), timeout=3, message="nobody watching")


def test_a_refused_connection_watches_nothing(server: LiveServer) -> None:
    client = WsClient(server.port, "/ws/metrics?host=nope", origin=server.origin)
    assert client.wait_closed() == 1008
    assert not server.monitor.hub.watched.hosts()
