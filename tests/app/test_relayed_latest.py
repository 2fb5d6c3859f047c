"""What of the relayed whole samples a web process holds current (``app.web.relayed``), on the
real PostgreSQL: ``/metrics`` renders only those, and ``/api/v1/latest?host=`` of a host nobody
here watches watches it for its next sample."""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.hub import LiveHub
from app.hub.summary import Summary
from app.web.relayed import current_hosts, latest_whole, wait_for_host
from storage.engine import make_engine
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.relay_fleet import OWN, Fleet

INTERVAL = 0.3


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with temporary_schema() as url:
        engine: Engine = make_engine(url)
        fleet = Fleet(engine)
        yield fleet
        fleet.close()
        engine.dispose()


def monitor_of(fleet: Fleet) -> types.SimpleNamespace:
    listener = fleet.worker("worker")
    config = types.SimpleNamespace(interval=INTERVAL, hostname=OWN)
    return types.SimpleNamespace(hub=listener._hub, listener=listener, config=config)


def test_a_host_watched_no_more_is_not_current(fleet: Fleet) -> None:
    monitor = monitor_of(fleet)
    with monitor.hub.watched.watching("edge-1"):
        wait_for(lambda: "edge-1" in monitor.listener.listened, message="LISTEN")
        fleet.send("edge-1")
        fleet.send("edge-2")
        fleet.mark(monitor.listener)
        assert current_hosts(monitor) == ["edge-1", OWN]  # edge-2: a summary only
    wait_for(lambda: "edge-1" not in monitor.listener.listened, message="UNLISTEN")
    assert monitor.hub.latest("edge-1") is not None  # kept, but it will grow stale
    assert current_hosts(monitor) == [OWN]


def test_latest_of_an_unwatched_host_watches_it_for_its_next_sample(fleet: Fleet) -> None:
    monitor = monitor_of(fleet)
    stop = threading.Event()

    def sample_edge() -> None:  # a remote sampler's cadence
        while not stop.wait(INTERVAL):
            fleet.send("edge-1")

    sampler = threading.Thread(target=sample_edge)
    sampler.start()
    try:
        wait_for(lambda: monitor.hub.summaries.latest("edge-1"), message="edge-1 summary")
        assert monitor.hub.latest("edge-1") is None
        sent_before = fleet.seq
        message = latest_whole(monitor, "edge-1", wait_s=10 * INTERVAL)
    finally:
        stop.set()
        sampler.join()
    assert message is not None and message.whole and message.host == "edge-1"
    assert message.seq > sent_before  # a fresh one, sent after the request came
    assert monitor.hub.watched.count("edge-1") == 0  # no longer watched once answered
    wait_for(lambda: "edge-1" not in monitor.listener.listened, message="UNLISTEN")
    assert latest_whole(monitor, "nobody", wait_s=0.05) is None  # nothing comes: None


def test_the_wait_is_one_and_a_half_of_the_host_interval() -> None:
    hub = LiveHub()
    config = types.SimpleNamespace(interval=1.0)
    monitor = types.SimpleNamespace(hub=hub, listener=None, config=config)
    hub.summaries.put(Summary("slow", 1.0, 1, {"interval_s": 2.0}))
    hub.summaries.put(Summary("glacial", 1.0, 1, {"interval_s": 60.0}))
    hub.summaries.put(Summary("mute", 1.0, 1, {"interval_s": None}))
    assert wait_for_host(monitor, "slow") == 3.0
    assert wait_for_host(monitor, "glacial") == 10.0  # at most ten seconds
    assert wait_for_host(monitor, "mute") == wait_for_host(monitor, None) == 1.5
