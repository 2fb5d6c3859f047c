"""Sampler election and the NOTIFY relay, against the real PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg2
import pytest
from sqlalchemy import text

from app.cluster.codec import MAX_PAYLOAD, Reassembler, encode
from app.cluster.election import SamplerElection
from app.cluster.pg import connector, sampler_lock_key
from app.cluster.relay import PgListener, PgNotifier
from app.hub import LiveHub, Message
from storage.engine import make_engine
from tests.support.counting import drain
from tests.support.polling import wait_for
from tests.support.postgres import TEST_DATABASE_URL


@pytest.fixture
def engine() -> Iterator:
    engine = make_engine(TEST_DATABASE_URL)
    yield engine
    engine.dispose()


class Roles:
    def __init__(self) -> None:
        self.events: list[str] = []

    def elected(self) -> None:
        self.events.append("elected")

    def demoted(self) -> None:
        self.events.append("demoted")


def election(engine, host: str, roles: Roles, **kwargs) -> SamplerElection:
    return SamplerElection(
        connector(engine),
        host,
        interval=0.2,
        on_elected=roles.elected,
        on_demoted=roles.demoted,
        **kwargs,
    )


def test_one_leader_per_host_and_takeover_when_it_dies(engine) -> None:
    host = "election-test-host"
    first_roles, second_roles = Roles(), Roles()
    first = election(engine, host, first_roles)
    second = election(engine, host, second_roles)
    first.step()
    second.step()
    assert first.leader and not second.leader
    assert first_roles.events == ["elected"] and second_roles.events == []
    other = election(engine, "another-host", Roles())
    other.step()
    assert other.leader  # hosts are elected independently
    # The leader's session dies (as when its process is SIGKILLed): the lock is released.
    with engine.begin() as conn:
        pid = first._connection.get_backend_pid()
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    second.start()
    wait_for(lambda: second.leader, timeout=5, message="takeover")
    first.step()  # the old leader notices its lost session but keeps sampling for now...
    assert first.leader
    first.step()  # ...until it reconnects, finds the lock taken, and steps down
    assert not first.leader and first_roles.events == ["elected", "demoted"]
    for e in (first, second, other):
        e.stop()


def test_unreachable_database_samples_anyway_after_a_grace(engine) -> None:
    now = [0.0]

    def refuse() -> None:
        raise psycopg2.OperationalError("connection refused")

    roles = Roles()
    blind = SamplerElection(
        refuse,
        "h",
        interval=1.0,
        on_elected=roles.elected,
        on_demoted=roles.demoted,
        clock=lambda: now[0],
    )
    blind.step()
    assert not blind.leader
    now[0] = 2.5
    blind.step()
    assert blind.leader and roles.events == ["elected"]


def test_lock_keys_are_stable_and_distinct() -> None:
    assert sampler_lock_key("a") == sampler_lock_key("a") != sampler_lock_key("b")
    assert -(2**63) <= sampler_lock_key("a") < 2**63


def test_codec_splits_long_messages_and_reassembles_interleaved_parts() -> None:
    import random

    rng = random.Random(7)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40_000))
    big = Message("h|x", 12.5, 3, json.dumps({"noise": noise}))
    small = Message("other", 13.0, 4, '{"a":1}')
    big_parts = encode(big, "p1", 1)
    small_parts = encode(small, "p2", 1)
    assert len(big_parts) > 1 and all(len(p.encode()) <= MAX_PAYLOAD for p in big_parts)
    receiver = Reassembler("me")
    received = [receiver.feed(p) for p in [big_parts[0], *small_parts, *big_parts[1:]]]
    messages = [m for m in received if m is not None]
    assert [m.payload for m in messages] == [small.payload, big.payload]
    assert messages[1].host == "h|x"  # percent-encoded on the wire
    assert messages[1].ts == 12.5 and messages[1].seq == 3
    assert Reassembler("p1").feed(big_parts[0]) is None  # its own messages are ignored
    garbage = Reassembler("me")
    assert garbage.feed("not|a|payload") is None and garbage.malformed == 1


def test_notify_reaches_listeners_in_order(engine) -> None:
    hub = LiveHub()
    subscription = hub.subscribe(maxsize=1000)
    listener = PgListener(connector(engine), hub, own_host="relay-host", origin="listener")
    listener.start()
    wait_for(listener.listening.is_set, message="LISTEN")
    notifier = PgNotifier(connector(engine), origin="sender")
    notifier.start()
    for seq in range(50):
        notifier.submit(Message("relay-host", 100.0 + seq, seq, json.dumps({"seq": seq})))
    wait_for(lambda: len(subscription) == 50, message="50 relayed messages")
    seqs = [m.seq for m in drain(subscription)]
    assert seqs == list(range(50))
    assert hub.latest("relay-host").payload == '{"seq": 49}'
    notifier.stop()
    listener.stop()


def test_a_forked_worker_gets_its_own_origin() -> None:
    """gunicorn forks workers from a master that may have imported app.cluster already."""
    import multiprocessing

    from app.cluster.pg import process_origin

    parent = process_origin()
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply(process_origin)
    assert child != parent and process_origin() == parent


def test_a_fresh_listener_waits_for_history_before_competing() -> None:
    """A worker gunicorn just restarted must not win the lock from followers that hold the dead
    sampler's relayed-but-unwritten samples; at a cold start (silence) it competes soon."""
    import types

    from app.cluster import relay as cluster

    now = [100.0]
    listener = types.SimpleNamespace(listening_since=None, last_heard={}, clock=lambda: now[0])
    ready = lambda: cluster.successor_ready(listener, "h", history=7, silence=2)  # noqa: E731
    assert ready()  # not listening (database down): the election's own fallback decides
    listener.listening_since = 100.0
    listener.last_heard["h"] = 100.5  # a sampler is alive and relaying
    now[0] = 102.0
    assert not ready()
    listener.last_heard["h"] = 101.9
    now[0] = 106.9
    assert ready()  # heard nothing for 5 s: the sampler is gone, nobody else is coming
    listener.last_heard["h"] = 106.8
    assert not ready()
    now[0] = 107.0
    assert ready()  # full history held


def test_an_election_that_may_not_compete_does_not_take_the_lock(engine) -> None:
    allowed = [False]
    roles = Roles()
    patient = SamplerElection(
        connector(engine),
        "patient-host",
        interval=0.2,
        on_elected=roles.elected,
        on_demoted=roles.demoted,
        may_compete=lambda: allowed[0],
    )
    patient.step()
    assert not patient.leader
    allowed[0] = True
    patient.step()
    assert patient.leader
    patient.stop()


def test_a_stale_session_of_this_process_is_ended_and_the_lock_taken(engine) -> None:
    """The network died, the server kept the session (and the lock): on return the process
    recognises its own stale session by application_name and ends it instead of following it."""
    name = "monitor-election test-origin"
    ghost = SamplerElection(
        connector(engine, name),
        "ghost-test-host",
        interval=0.2,
        on_elected=Roles().elected,
        on_demoted=Roles().demoted,
        application_name=name,
    )
    ghost.step()
    assert ghost.leader
    roles = Roles()
    returned = SamplerElection(
        connector(engine, name),
        "ghost-test-host",
        interval=0.2,
        on_elected=roles.elected,
        on_demoted=roles.demoted,
        application_name=name,
    )
    returned.step()
    assert returned.leader and roles.events == ["elected"]
    ghost._connection = None  # its session was ended by the server
    returned.stop()


def test_a_silent_foreign_holder_is_ended_only_when_silent(engine) -> None:
    holder = election(engine, "silent-test-host", Roles())
    holder.step()
    silent = [False]
    roles = Roles()
    follower = SamplerElection(
        connector(engine),
        "silent-test-host",
        interval=0.2,
        on_elected=roles.elected,
        on_demoted=roles.demoted,
        holder_silent=lambda: silent[0],
    )
    follower.step()
    assert not follower.leader  # the holder relays: follow it
    silent[0] = True
    follower.step()
    assert follower.leader and roles.events == ["elected"]
    holder._connection = None
    follower.stop()
