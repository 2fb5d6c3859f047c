"""The live hub: latest sample, a ring buffer of recent ones, and bounded per-subscriber queues.

Each sample is serialized to JSON once in ``publish``; every subscriber receives the same
``Message`` object. ``publish`` never blocks on a subscriber: a subscriber whose queue is full
loses its oldest message (counted), so a slow browser can neither slow the sampler nor the other
browsers. Publishing is serialized: every subscriber (and the backlog) sees messages in one
order, and publish hooks run on each message, in that order, before anyone receives it (the
live WebSocket builds its shared frames there: app/live/frames.py).

The backlog keeps a sample whole for ``whole_seconds`` after it was taken, then only its thin
form (``app.hub.thin``: what the live graphs draw), so 15 minutes of backlog cost about a
megabyte rather than ten; ``latest`` is always whole. ``summaries`` holds every host's newest
summary (``app.hub.summary``), ``watched`` the hosts this process's consumers follow.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from app.hub.summary import HostBoard, summarize
from app.hub.text import json_text as _json_text
from app.hub.thin import thin_sample
from app.hub.watch import WatchedHosts

log = logging.getLogger(__name__)

WHOLE_SECONDS = 90.0  # how long the backlog keeps a sample whole (a sampler's takeover: 60 s)


@dataclass(frozen=True, slots=True)
class Message:
    """One published sample: its identity and its JSON text, serialized once.

    ``encodings`` holds what transports derive from the payload once for every consumer
    (WebSocket frames), filled by publish hooks; the hub itself never reads it.
    """

    host: str
    ts: float
    seq: int
    payload: str
    encodings: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    thin: str | None = field(default=None, compare=False, repr=False)  # its thin form's JSON
    whole: bool = field(default=True, compare=False)  # False: ``payload`` is the thin form

    def thinned(self) -> Message:
        """This message as the backlog keeps it once it is old: the thin form only."""
        thin = self.thin if self.thin is not None else _json_text(thin_sample(self.sample()))
        return Message(self.host, self.ts, self.seq, thin, thin=thin, whole=False)

    def sample(self) -> dict[str, Any]:
        return json.loads(self.payload)

    def with_thin(self) -> Message:
        """This message with its thin form computed (once, before it is shared)."""
        if self.thin is not None:
            return self
        return replace(self, thin=_json_text(thin_sample(self.sample())))


class _Slot:
    """A place in the backlog: its message, replaced by the thin form once it is old."""

    __slots__ = ("message",)

    def __init__(self, message: Message) -> None:
        self.message = message


def encode_sample(sample: dict[str, Any]) -> Message:
    """Serializes ``sample`` compactly; NaN and infinities become null (valid JSON)."""
    host, ts, seq = str(sample.get("host", "")), float(sample["ts"]), int(sample.get("seq", 0))
    return Message(host, ts, seq, _json_text(sample), thin=_json_text(thin_sample(sample)))


class Subscription:
    """A bounded FIFO of messages for one consumer; the oldest message is dropped on overflow."""

    def __init__(self, hub: LiveHub, maxsize: int) -> None:
        self._hub = hub
        self._items: deque[Message] = deque()
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self._closed = False
        self._woken = False
        self._take: Callable[[Message], bool] | None = None
        self.dropped = 0

    def put(self, message: Message) -> None:
        """Enqueues without blocking; drops the oldest queued message when full.

        While the consumer is parked (``park``) and nothing is queued, the message is first
        offered to its ``take``, here in the publisher's thread; one it does not take is queued
        and ends the parking.
        """
        with self._cond:
            if self._closed:
                return
            if self._take is not None and not self._items:
                try:
                    if self._take(message):
                        return
                except Exception:  # the consumer's thread meets the error again, and handles it
                    log.debug("take failed; the message is queued", exc_info=True)
                self._take = None
            if len(self._items) >= self._maxsize:
                self._items.popleft()
                self.dropped += 1
                self._hub._count_drop()
            self._items.append(message)
            self._cond.notify()

    def get(self, timeout: float | None = None) -> Message | None:
        """The next message, or None after ``timeout`` seconds, once closed, or when woken."""
        with self._cond:
            if not self._items and not self._closed and not self._woken:
                self._cond.wait(timeout)
            self._woken = False
            return self._items.popleft() if self._items else None

    def park(self, take: Callable[[Message], bool]) -> bool:
        """Lets ``take(message)`` consume messages in the publisher's thread while nothing is
        queued, until ``unpark``; True when parked (False: messages are waiting already).

        ``take`` must not block; it returns False for a message it cannot handle there.
        """
        with self._cond:
            if self._items or self._closed:
                return False
            self._take = take
            return True

    def unpark(self) -> None:
        """Ends parking: from now on every message is queued for ``get``."""
        with self._cond:
            self._take = None

    def wake(self) -> None:
        """Makes the current (or, if none waits, the next) ``get`` return at once; ends parking
        (the consumer's thread has something to look at, and parks again when done)."""
        with self._cond:
            self._woken = True
            self._take = None
            self._cond.notify_all()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Detaches from the hub and wakes a waiting ``get``."""
        self._hub._unsubscribe(self)
        with self._cond:
            self._closed = True
            self._take = None
            self._cond.notify_all()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LiveHub:
    """Fans published samples out to subscribers and keeps recent ones for late joiners."""

    def __init__(
        self, backlog_size: int = 900, queue_size: int = 120, whole_seconds: float = WHOLE_SECONDS
    ) -> None:
        self._ring: deque[_Slot] = deque(maxlen=backlog_size)
        self._whole: dict[str, deque[_Slot]] = {}  # per host, its slots still whole, in order
        self._whole_seconds = whole_seconds
        self._latest: dict[str, Message] = {}
        self._subscribers: set[Subscription] = set()
        self._hooks: list[Callable[[Message], None]] = []
        self._lock = threading.Lock()
        self._publishing = threading.Lock()  # one publisher at a time: one order for everyone
        self._queue_size = queue_size
        self._dropped = 0
        self.published = 0
        self.summaries = HostBoard()
        self.watched = WatchedHosts()

    def publish(self, sample: dict[str, Any]) -> Message:
        """Serializes ``sample`` once, hands it to the backlog and every subscriber, and puts
        its summary on the board."""
        message = encode_sample(sample)
        self.publish_message(message)
        self.summaries.put(summarize(sample))
        return message

    def publish_message(self, message: Message) -> None:
        """Runs the publish hooks on ``message``, then hands it to the backlog and every
        subscriber; concurrent publishers are served one at a time."""
        message = message.with_thin()
        with self._publishing:
            for hook in self._hooks:
                try:
                    hook(message)
                except Exception:  # a broken encoder must not stop the live stream
                    log.exception("publish hook %r failed", hook)
            with self._lock:
                slot = _Slot(message)
                self._forget_oldest_if_full()
                self._ring.append(slot)
                self._thin_old(slot)
                self._latest[message.host] = message
                subscribers = list(self._subscribers)
                self.published += 1
            for subscriber in subscribers:
                subscriber.put(message)

    def _forget_oldest_if_full(self) -> None:
        """The slot the ring is about to drop leaves its host's whole queue too (it is the
        oldest there), so nothing outside the ring keeps a whole message (lock held)."""
        if len(self._ring) < (self._ring.maxlen or 0):
            return
        oldest = self._ring[0]
        queue = self._whole.get(oldest.message.host)
        if queue and queue[0] is oldest:
            queue.popleft()

    def _thin_old(self, newest: _Slot) -> None:
        """Replaces the messages of ``newest``'s host taken over ``whole_seconds`` before it by
        their thin form, oldest first: each host by its own clock, so a host whose clock is
        ahead never thins another's recent samples (called with the lock held)."""
        whole = self._whole.setdefault(newest.message.host, deque())
        whole.append(newest)
        horizon = newest.message.ts - self._whole_seconds
        while len(whole) > 1 and whole[0].message.ts < horizon:
            oldest = whole.popleft()
            oldest.message = oldest.message.thinned()

    def add_publish_hook(self, hook: Callable[[Message], None]) -> None:
        """Calls ``hook(message)`` for every message published from now on, in publish order,
        before the message reaches the backlog or any subscriber. A hook must be quick and
        must not publish."""
        with self._publishing:
            self._hooks.append(hook)

    def subscribe(self, maxsize: int | None = None) -> Subscription:
        """A new subscription that receives every message published from now on."""
        subscription = Subscription(self, maxsize or self._queue_size)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def latest(self, host: str | None = None) -> Message | None:
        """The newest message (of ``host`` when given)."""
        with self._lock:
            if host is not None:
                return self._latest.get(host)
            return self._ring[-1].message if self._ring else None

    def backlog(self, since_ts: float | None = None, host: str | None = None) -> list[Message]:
        """Buffered messages newer than ``since_ts`` (all when None), oldest first."""
        with self._lock:
            items = [slot.message for slot in self._ring]
        return [
            m
            for m in items
            if (since_ts is None or m.ts > since_ts) and (host is None or m.host == host)
        ]

    def hosts(self) -> list[str]:
        """Every host heard of: by a whole sample or by a summary."""
        with self._lock:
            whole = set(self._latest)
        return sorted(whole.union(self.summaries.hosts()))

    def health(self) -> dict[str, int]:
        """Subscriber count and messages dropped for slow subscribers since start."""
        with self._lock:
            return {"subscribers": len(self._subscribers), "dropped_live": self._dropped}

    def _count_drop(self) -> None:
        with self._lock:
            self._dropped += 1

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)
