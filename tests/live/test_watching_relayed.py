"""A dashboard worker on the real PostgreSQL: a remote host's whole samples reach it only while
one of its WebSocket connections follows that host; its summaries always do (the overview)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cluster.pg import connector
from app.cluster.relay import PgNotifier
from app.hub import encode_sample
from tests.live.server import LiveServer, live_config
from tests.live.wsclient import WsClient
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.samples import make_sample


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[LiveServer]:
    with temporary_schema() as url:
        server = LiveServer(live_config(tmp_path, database_url=url, hostname="web-1"))
        server.start()
        yield server
        server.close()


def test_whole_samples_of_a_remote_host_come_while_a_connection_follows_it(
    worker: LiveServer,
) -> None:
    monitor = worker.monitor
    wait_for(lambda: monitor.listener and monitor.listener.listening.is_set(), message="LISTEN")
    remote = PgNotifier(connector(monitor.store.engine), origin="edge-sampler")
    remote.start()
    seq = [0]

    def send() -> int:
        seq[0] += 1
        remote.submit(encode_sample(make_sample(seq[0], host="edge-1", ts0=1.7e9)))
        return seq[0]

    try:
        first = send()
        wait_for(lambda: monitor.hub.summaries.latest("edge-1"), message="edge-1's summary")
        assert monitor.listener.whole_received["edge-1"] == 0  # nobody follows it yet
        overview = json.loads(worker.dash_app.server.test_client().get("/api/v1/overview").data)
        tile = next(h for h in overview["hosts"] if h["host"] == "edge-1")
        assert tile["reporting"] and tile["cpu"] == make_sample(first)["cpu"]["total"]
        client = WsClient(worker.port, "/ws/metrics?host=edge-1", origin=worker.origin)
        wait_for(lambda: "edge-1" in monitor.listener.listened, message="LISTEN to edge-1")
        wanted = send()
        frames = client.receive_texts(1)
        assert json.loads(frames[-1])["seq"] == wanted  # the first whole sample after it came
        client.abort()
        wait_for(lambda: "edge-1" not in monitor.listener.listened, message="UNLISTEN")
    finally:
        remote.stop()
