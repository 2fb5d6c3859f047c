"""``since=`` and the live order when a host's wall clock steps: a client gets every sample it
missed, once, whether the clock went forward or back (app/live/resume.py)."""

from __future__ import annotations

import json
import math

import pytest
from wsproto.extensions import PerMessageDeflate

from app.hub import LiveHub, Message
from app.live.frames import DeflateStream
from app.live.resume import MAX_AHEAD_S, SentFilter, later, resume_index
from app.live.stream import StreamQuery
from app.runtime.sampler import Sampler
from collectors.registry import CollectorRegistry
from tests.live.conftest import ServerFactory
from tests.live.wsclient import WsClient
from tests.support.clocks import FakeClock, SteppingWallClock

NOW = 1_764_000_000.0


def message(ts: float, seq: int, host: str = "a") -> Message:
    return Message(host, ts, seq, json.dumps({"host": host, "ts": ts, "seq": seq}))


def stepped_back() -> list[Message]:
    """Ten samples a second, then the clock back 5 s, then six more (seq goes on)."""
    before = [message(NOW + i, i) for i in range(10)]  # NOW+0 .. NOW+9
    after = [message(NOW + 5 + i, 10 + i) for i in range(6)]  # NOW+5 .. NOW+10
    return before + after


def resumed(backlog: list[Message], since: float | None, now: float = NOW) -> list[int]:
    sent = SentFilter(StreamQuery(since=since), wall_clock=lambda: now)
    return [m.seq for m in sent.backlog(backlog)]


def test_since_finds_the_clients_sample_across_a_step_back() -> None:
    backlog = stepped_back()
    assert resumed(backlog, NOW + 9) == list(range(10, 16))  # held the newest before the step
    assert resumed(backlog, NOW + 3) == list(range(4, 16))
    assert resumed(backlog, None) == list(range(16))
    assert resumed(backlog, NOW - 100) == list(range(16))
    # a time seen twice: from its first sample on (duplicates rather than a gap)
    assert resumed(backlog, NOW + 7) == list(range(8, 16))
    assert resumed(backlog, NOW + 7.5) == list(range(8, 16))  # no exact match


def test_resume_index_without_steps_is_newer_than_since() -> None:
    stamps = [10.0, 11.0, 12.0, 13.0]
    assert [resume_index(stamps, s) for s in (9.0, 10.0, 11.5, 13.0, 99.0)] == [0, 1, 2, 4, 4]


def test_a_since_from_before_a_restart_after_a_step_back_gets_everything() -> None:
    # the server restarted with its clock 120 s back: the client's newest is in its future
    backlog = [message(NOW + i, i) for i in range(5)]
    client_since = NOW + 120.0
    sent = SentFilter(StreamQuery(since=client_since), wall_clock=lambda: NOW + 5)
    assert [m.seq for m in sent.backlog(backlog)] == [0, 1, 2, 3, 4]
    assert sent.wants(message(NOW + 5, 5))  # and every new sample after it
    assert resumed([], client_since, now=NOW) == []


def test_a_since_far_ahead_is_taken_literally() -> None:
    backlog = [message(NOW + i, i) for i in range(5)]
    far = NOW + MAX_AHEAD_S + 10
    sent = SentFilter(StreamQuery(since=far), wall_clock=lambda: NOW)
    assert sent.backlog(backlog) == []
    assert not sent.wants(message(NOW + 5, 5)) and sent.wants(message(far + 1, 6))


def test_live_samples_keep_coming_after_a_step_back_and_none_twice() -> None:
    sent = SentFilter(StreamQuery(), wall_clock=lambda: NOW)
    first = [message(NOW + i, i) for i in range(3)]
    assert sent.backlog(first) == first
    assert not sent.wants(first[-1])  # the same message again (the backlog's overlap)
    assert sent.wants(message(NOW + 3, 3))
    stepped = message(NOW - 117, 4)  # the clock went back 120 s
    assert sent.wants(stepped) and not sent.wants(stepped)
    newest = message(NOW - 116, 5)
    assert sent.wants(newest) and not sent.wants(newest)


def test_later_and_the_shared_deflate_stream_follow_seq_after_a_step_back() -> None:
    last = message(NOW, 7)
    assert later(message(NOW + 1, 0), last)  # a restarted sampler: time goes on
    assert later(message(NOW - 60, 8), last)  # the same sampler, clock back
    assert not later(message(NOW, 7), last) and not later(message(NOW - 1, 6), last)
    assert later(last, None)
    stream = DeflateStream(host="a")
    taken = [stream.encode(m) is not None for m in stepped_back()]
    assert taken == [True] * 16


# -- end to end: a real server, a real WebSocket -----------------------------------------------


def stepping_sampler(hub: LiveHub) -> tuple[Sampler, FakeClock, SteppingWallClock]:
    mono = FakeClock(10.0)
    wall = SteppingWallClock(mono, at=NOW + 0.5)
    sampler = Sampler(
        CollectorRegistry(clock=mono),
        host="stepper",
        sinks=[hub.publish],
        clock=mono,
        wall_clock=wall,
    )
    sampler.align()
    return sampler, mono, wall


def ticks(sampler: Sampler, mono: FakeClock, count: int) -> list[dict]:
    out = []
    for _ in range(count):
        mono.advance(sampler.seconds_until_due())
        out.append(sampler.tick())
    return out


def seqs(texts: list[str]) -> list[int]:
    return [json.loads(t)["seq"] for t in texts]


@pytest.mark.parametrize("step", [120.0, -120.0])
@pytest.mark.parametrize("deflate", [False, True])
def test_a_client_reconnecting_after_a_step_gets_what_it_missed(
    make_server: ServerFactory, step: float, deflate: bool
) -> None:
    server = make_server()
    server.monitor.sampler.stop()  # only the test's sampler publishes from here on
    sampler, mono, wall = stepping_sampler(server.monitor.hub)
    path = "/ws/metrics?host=stepper"

    def connect(query: str = "") -> WsClient:
        extensions = [PerMessageDeflate()] if deflate else []  # one per connection: it has state
        client = WsClient(server.port, path + query, origin=server.origin, extensions=extensions)
        assert client.status == 101
        return client

    through = connect()  # stays connected across the step
    before = ticks(sampler, mono, 5)
    assert seqs(through.receive_texts(5)) == [0, 1, 2, 3, 4]
    leaving = connect()
    held = json.loads(leaving.receive_texts(5)[-1])
    leaving.abort()  # gone before the step
    wall.step(step)
    after = ticks(sampler, mono, 5)
    assert sampler.clock_steps == 1
    assert (after[0]["ts"] < held["ts"]) == (step < 0)
    assert seqs(through.receive_texts(10)) == list(range(10))  # every one, once, in order
    back = connect(f"&since={held['ts']!r}")
    missed = back.receive_texts(5)
    assert [json.loads(t)["ts"] for t in missed] == [s["ts"] for s in after]
    ticks(sampler, mono, 1)
    assert seqs(back.receive_texts(6)) == [5, 6, 7, 8, 9, 10]
    assert seqs(through.receive_texts(11)) == list(range(11))
    assert not math.isclose(before[-1]["ts"], after[0]["ts"])
    for client in (through, back):
        client.abort()
