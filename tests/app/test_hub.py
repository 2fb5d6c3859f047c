"""The live hub: one serialization per sample, bounded queues, slow-subscriber isolation."""

from __future__ import annotations

import json
import threading

from app.hub import LiveHub, Message, encode_sample
from tests.support.counting import drain


def sample(seq: int, host: str = "h") -> dict:
    return {"v": 1, "host": host, "ts": 1000.0 + seq, "seq": seq, "cpu": {"total": float(seq)}}


def test_every_subscriber_gets_the_same_serialized_message() -> None:
    hub = LiveHub()
    subscribers = [hub.subscribe() for _ in range(5)]
    message = hub.publish(sample(1))
    received = [s.get(timeout=1) for s in subscribers]
    assert all(m is message for m in received)  # serialized once, shared
    assert json.loads(message.payload)["cpu"]["total"] == 1.0


def test_a_slow_subscriber_loses_its_oldest_and_nobody_else_notices() -> None:
    hub = LiveHub(queue_size=5)
    stuck = hub.subscribe()  # never reads
    fast = hub.subscribe(maxsize=1000)
    got: list[int] = []
    done = threading.Event()

    def read() -> None:
        while len(got) < 200:
            message = fast.get(timeout=5)
            assert message is not None
            got.append(message.seq)
        done.set()

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(200):
        hub.publish(sample(i))
    reader.join(10)
    assert done.is_set()
    assert got == list(range(200))
    assert [m.seq for m in drain(stuck)] == [195, 196, 197, 198, 199]
    assert stuck.dropped == 195
    assert hub.health() == {"subscribers": 2, "dropped_live": 195}


def test_backlog_and_latest() -> None:
    hub = LiveHub(backlog_size=3)
    assert hub.latest() is None
    for i in range(5):
        hub.publish(sample(i, host="a" if i % 2 else "b"))
    assert [m.seq for m in hub.backlog()] == [2, 3, 4]
    assert [m.seq for m in hub.backlog(since_ts=1002.5)] == [3, 4]
    assert [m.seq for m in hub.backlog(host="a")] == [3]
    assert hub.latest().seq == 4 and hub.latest("a").seq == 3
    assert hub.hosts() == ["a", "b"]


def test_closing_unsubscribes_and_wakes_the_reader() -> None:
    hub = LiveHub()
    subscription = hub.subscribe()
    woke = []
    reader = threading.Thread(target=lambda: woke.append(subscription.get(timeout=10)))
    reader.start()
    subscription.close()
    reader.join(5)
    assert woke == [None] and hub.health()["subscribers"] == 0
    hub.publish(sample(1))
    assert len(subscription) == 0


def test_non_finite_numbers_become_null() -> None:
    message = encode_sample(
        {"host": "h", "ts": 1.0, "seq": 0, "x": float("nan"), "y": [float("inf")]}
    )
    assert json.loads(message.payload) == {"host": "h", "ts": 1.0, "seq": 0, "x": None, "y": [None]}


def test_a_parked_subscriber_takes_messages_in_the_publishers_thread() -> None:
    hub = LiveHub()
    subscription = hub.subscribe()
    taken: list[tuple[int, str]] = []

    def take(message: Message) -> bool:
        taken.append((message.seq, threading.current_thread().name))
        return message.seq != 2  # the third is one it cannot handle here

    assert subscription.park(take)
    for i in range(4):
        hub.publish(sample(i))
    me = threading.current_thread().name
    assert taken == [(0, me), (1, me), (2, me)]  # refusing ended the parking
    assert [m.seq for m in drain(subscription)] == [2, 3]


def test_parking_is_refused_while_messages_wait_and_a_failing_take_queues() -> None:
    hub = LiveHub()
    subscription = hub.subscribe()
    hub.publish(sample(0))
    assert not subscription.park(lambda message: True)
    assert subscription.get(timeout=1).seq == 0

    def broken(message: Message) -> bool:
        raise OSError("socket gone")

    assert subscription.park(broken)
    hub.publish(sample(1))
    hub.publish(sample(2))
    assert [m.seq for m in drain(subscription)] == [1, 2]
    subscription.park(lambda message: True)
    subscription.unpark()
    hub.publish(sample(3))
    assert [m.seq for m in drain(subscription)] == [3]


def test_a_wake_before_the_wait_is_not_lost() -> None:
    hub = LiveHub()
    subscription = hub.subscribe()
    subscription.wake()
    woke: list[object] = []
    reader = threading.Thread(target=lambda: woke.append(subscription.get(timeout=30)))
    reader.start()
    reader.join(5)
    assert not reader.is_alive() and woke == [None]


def test_hooks_see_every_message_before_anyone_and_everyone_sees_one_order() -> None:
    hub = LiveHub(whole_seconds=10_000)  # all whole: the thin copies carry no encodings
    subscription = hub.subscribe(maxsize=1000)
    seen: list[int] = []

    def hook(message: Message) -> None:
        message.encodings["order"] = len(seen)
        seen.append(message.seq)

    hub.add_publish_hook(hook)
    threads = [
        threading.Thread(target=lambda k=k: [hub.publish(sample(k * 100 + i)) for i in range(50)])
        for k in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    ring = hub.backlog()
    assert sorted(seen) == sorted(m.seq for m in ring)
    assert [m.encodings["order"] for m in ring] == list(range(200))  # the ring's order
    assert [m.encodings["order"] for m in drain(subscription)] == list(range(200))  # and theirs
