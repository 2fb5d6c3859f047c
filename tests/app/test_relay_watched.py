"""Relay only what is watched: whole samples on per-host channels, summaries for everyone.

Several workers' listeners (each its own thread, hub and connection) on the real PostgreSQL,
in a throwaway schema (so their channels are this test's alone), and a sampler's notifier that
relays samples of remote hosts. Whole samples are counted per host as each listener receives
them. A sample of the workers' own host, sent last, marks the end of a burst: one sender's
notifications arrive in commit order on every channel a session listens to, so once it has
arrived, anything sent before it on a listened channel has arrived too.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.cluster.codec import MAX_PAYLOAD, decode_summary, encode_summary
from app.cluster.pg import host_channel, summary_channel
from app.cluster.relay import holder_silent, successor_ready
from app.hub.reporting import LastHeard
from app.hub.summary import Summary, summarize
from storage.engine import make_engine
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.relay_fleet import OWN, Fleet
from tests.support.samples import make_sample

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")  # a valid unquoted PostgreSQL identifier


@pytest.fixture
def engine() -> Iterator[Engine]:
    with temporary_schema() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def fleet(engine: Engine) -> Iterator[Fleet]:
    fleet = Fleet(engine)
    yield fleet
    fleet.close()


# -- names and the summary's wire format ---------------------------------------------------


def test_channels_are_hashed_identifiers_per_deployment_and_host() -> None:
    odd = ['a"; DROP TABLE x; --', "Ünïcode host", "x" * 1000, "", "UPPER"]
    names = {host_channel("test/public", host) for host in odd}
    names |= {summary_channel("test/public"), summary_channel("test/other")}
    names.add(host_channel("test/other", odd[0]))
    assert len(names) == len(odd) + 3  # distinct per host and per deployment
    assert all(IDENTIFIER.match(name) for name in names)
    assert host_channel("db/s", "h") == host_channel("db/s", "h")  # stable across processes


def test_a_summary_travels_as_one_small_payload() -> None:
    summary = summarize(make_sample(4, host="edge|1"))
    payload = encode_summary(summary, "origin-1")
    assert payload is not None and payload.startswith("origin-1|{")
    assert len(payload) < 400
    back = decode_summary(payload, "me")
    assert back == summary and back.values == summary.values
    assert back.host == "edge|1"  # the JSON carries any host name intact
    assert decode_summary(payload, "origin-1") is None  # its own
    assert encode_summary(Summary("h" * MAX_PAYLOAD, 1.0, 1, {}), "o") is None  # too long
    for bad in ("o|not json", "o|[1]", 'o|{"host": "h"}', 'o|{"host":"h","ts":null,"seq":1}'):
        with pytest.raises((ValueError, TypeError)):
            decode_summary(bad, "me")


# -- who hears what ------------------------------------------------------------------------


def test_a_worker_watching_no_remote_host_hears_only_their_summaries(fleet: Fleet) -> None:
    idle = fleet.worker("worker-idle")
    busy = fleet.worker("worker-busy")
    busy._hub.watched.watch("edge-1")  # one of its clients follows edge-1
    wait_for(lambda: "edge-1" in busy.listened, message="LISTEN to edge-1")
    fleet.send("edge-1", 5)
    fleet.send("edge-2", 5)
    fleet.mark(idle, busy)
    assert idle.whole_received == {OWN: 1}  # its own host's whole samples only
    assert idle.summaries_received == {"edge-1": 5, "edge-2": 5, OWN: 1}
    assert busy.whole_received == {"edge-1": 5, OWN: 1}
    assert busy.summaries_received == idle.summaries_received
    assert idle._hub.latest("edge-1") is None and idle._hub.summaries.latest("edge-2").seq == 10
    assert idle._hub.hosts() == ["edge-1", "edge-2", OWN]  # known to the overview all the same
    assert [m.whole for m in idle._hub.backlog(host=OWN)] == [True]  # for a successor to store
    assert busy._hub.latest("edge-1").seq == 5


def test_watching_a_host_brings_its_whole_samples_within_an_interval(fleet: Fleet) -> None:
    interval = 0.5
    worker = fleet.worker("worker")
    stop = threading.Event()

    def sample_edge() -> None:  # a remote sampler's cadence
        while not stop.wait(interval):
            fleet.send("edge-1")

    sampler = threading.Thread(target=sample_edge)
    sampler.start()
    try:
        wait_for(lambda: worker.summaries_received["edge-1"] >= 2, message="edge-1 summaries")
        assert worker.whole_received["edge-1"] == 0
        seq_at_watch = fleet.seq
        started = time.monotonic()
        worker._hub.watched.watch("edge-1")
        wait_for(lambda: "edge-1" in worker.listened, timeout=interval, message="LISTEN")
        listen_s = time.monotonic() - started
        first = wait_for(lambda: worker._hub.latest("edge-1"), timeout=3 * interval)
    finally:
        stop.set()
        sampler.join()
    assert listen_s < interval
    assert first.seq <= seq_at_watch + 2  # the next sample, or the one after it at worst


def test_the_last_watcher_leaving_ends_the_whole_samples(fleet: Fleet) -> None:
    worker = fleet.worker("worker")
    watched = worker._hub.watched
    watched.watch("edge-1")
    watched.watch("edge-1")  # two connections follow edge-1
    wait_for(lambda: "edge-1" in worker.listened, message="LISTEN")
    fleet.send("edge-1", 2)
    fleet.mark(worker)
    watched.unwatch("edge-1")  # one leaves: still watched
    fleet.send("edge-1", 2)
    fleet.mark(worker)
    assert worker.whole_received["edge-1"] == 4 and "edge-1" in worker.listened
    watched.unwatch("edge-1")  # the last one leaves: UNLISTEN
    wait_for(lambda: "edge-1" not in worker.listened, message="UNLISTEN")
    fleet.send("edge-1", 3)
    fleet.mark(worker)
    assert worker.whole_received["edge-1"] == 4  # the server sent it none of the last three
    assert worker.summaries_received["edge-1"] == 7


def test_a_reconnected_listener_listens_to_everything_watched_again(fleet: Fleet) -> None:
    worker = fleet.worker("worker")
    worker._hub.watched.watch("edge-1")
    wait_for(lambda: "edge-1" in worker.listened, message="LISTEN")
    backend = worker.backend_pid
    with fleet.engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    worker._hub.watched.watch("edge-2")  # a change while it may be reconnecting
    wait_for(
        lambda: (
            worker.backend_pid != backend
            and worker.listening.is_set()
            and worker.listened == {OWN, "edge-1", "edge-2"}
        ),
        message="listening again on a new session",
    )
    fleet.send("edge-1", 2)
    fleet.send("edge-2", 1)
    fleet.send("edge-3", 1)
    fleet.mark(worker)
    assert worker.whole_received["edge-1"] == 2 and worker.whole_received["edge-2"] == 1
    assert worker.whole_received["edge-3"] == 0 and worker.summaries_received["edge-3"] == 1


def test_summaries_keep_a_host_heard_for_the_election_and_the_reports(fleet: Fleet) -> None:
    """Nobody here watches edge-9, so only its summaries arrive: they alone must tell the
    election (``holder_silent``, ``successor_ready``) and ``LastHeard`` that it is alive."""
    now = [100.0]
    worker = fleet.worker("worker", clock=lambda: now[0])
    heard = LastHeard(lambda: now[0])
    worker._hub.summaries.add_hook(heard)
    now[0] = 110.0
    fleet.send("edge-9")
    fleet.mark(worker)
    assert worker.whole_received["edge-9"] == 0
    assert worker.last_heard["edge-9"] == 110.0 and heard.age("edge-9") == 0.0
    assert not holder_silent(worker, "edge-9", silence=5)
    assert not successor_ready(worker, "edge-9", history=20, silence=5)
    now[0] = 116.0  # six seconds without a word of edge-9
    assert holder_silent(worker, "edge-9", silence=5)
    assert successor_ready(worker, "edge-9", history=20, silence=5)
    assert heard.age("edge-9") == 6.0


def test_an_odd_host_name_is_one_name_on_both_channels(fleet: Fleet) -> None:
    odd = "edge|1 ü'\""
    worker = fleet.worker("worker")
    worker._hub.watched.watch(odd)
    wait_for(lambda: odd in worker.listened, message="LISTEN")
    fleet.send(odd, 2)
    fleet.mark(worker)
    assert worker.whole_received[odd] == 2 and worker.summaries_received[odd] == 2
    assert worker._hub.latest(odd).seq == worker._hub.summaries.latest(odd).seq == 2
