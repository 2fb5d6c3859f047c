"""Which samples one connection still needs: ``since=`` resolved against the backlog, and the
order of the live stream, when a host's timestamps may go back.

A sample's ``ts`` is its host's wall time (``app.runtime.sampler``), so after that clock steps
back, later samples carry earlier times, possibly times the client already holds. So:

- **Later** (``later``): a message is later than the last one of its host when its ``ts`` is
  greater, or when its ``seq`` is greater while its ``ts`` is not (the same sampler ticked on
  after its wall clock went back). The same message published again is never later.
- **Resuming** (``SentFilter.backlog``): ``since`` is looked up in the backlog, in publish
  order, per host. The first sample stamped exactly ``since`` is the client's (it echoes the
  ``ts`` it got): everything published after it is sent, steps or not. Without an exact match,
  the client is placed at the first point of the backlog that its ``since`` does not precede
  (the end of the first run of rising times at or below it), and everything after is sent;
  a ``since`` below every sample gets the whole backlog. A ``since`` later than every sample
  held and later than this server's clock, by up to ``MAX_AHEAD_S``, comes from before a step
  back of the host's clock (or of a restarted server's): the whole backlog is sent, and every
  new sample. A ``since`` further ahead is taken literally: samples newer than it, if ever.

Duplicates are preferred to gaps: a client that resumes from a time repeated by a step back
may get samples again that it has; the page drops those (it keeps one point per time).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from app.hub import Message

MAX_AHEAD_S = 86_400.0  # a since up to a day ahead of our clock may be from before a step back


class _Query(Protocol):
    since: float | None
    host: str | None


def later(message: Message, last: Message | None) -> bool:
    """Whether ``message`` comes after ``last`` (of the same host) in its host's stream."""
    if last is None or message.ts > last.ts:
        return True
    return message.seq > last.seq


def resume_index(stamps: list[float], since: float) -> int:
    """Where a client that holds the sample stamped ``since`` resumes in one host's ``stamps``
    (publish order): the index of the first sample to send."""
    for index, ts in enumerate(stamps):
        if ts == since:
            return index + 1
    index = next((i for i, ts in enumerate(stamps) if ts <= since), None)
    if index is None:
        return 0
    while index + 1 < len(stamps) and stamps[index] < stamps[index + 1] <= since:
        index += 1
    return index + 1


class SentFilter:
    """What one connection still needs: of its host filter, from ``since`` on, each message
    once, in its host's order (``later``)."""

    def __init__(self, query: _Query, wall_clock: Callable[[], float] = time.time) -> None:
        self._host = query.host
        self._since = query.since if query.since is not None else -math.inf
        self._wall_clock = wall_clock
        self._floor: dict[str, float] = {}  # per host: a message must be stamped after this...
        self._last: dict[str, Message] = {}  # ...or come after this one (``later``)
        self._overlap: dict[int, Message] = {}  # backlog messages the subscription may repeat

    def backlog(self, messages: list[Message]) -> list[Message]:
        """The messages of the hub's backlog (oldest first) to send, each remembered as sent."""
        mine = [m for m in messages if self._host is None or m.host == self._host]
        if self._ahead(mine):
            self._since = -math.inf
        by_host: dict[str, list[Message]] = {}
        for message in mine:
            by_host.setdefault(message.host, []).append(message)
        to_send: set[int] = set()
        for host, own in by_host.items():
            start = resume_index([m.ts for m in own], self._since) if self._since > -math.inf else 0
            if start > 0:  # the sample the client is taken to hold
                self._last[host] = own[start - 1]
                self._floor[host] = max(self._since, own[start - 1].ts)
            to_send.update(id(m) for m in own[start:])
        out = [m for m in mine if id(m) in to_send]
        for message in out:
            self.mark(message)
        self._overlap = {id(m): m for m in mine}
        return out

    def _ahead(self, mine: list[Message]) -> bool:
        """Whether ``since`` is ahead of every message held and of our clock (by at most a
        day): it comes from a timeline the host's clock has stepped back from."""
        if self._since == -math.inf or any(m.ts >= self._since for m in mine):
            return False
        now = self._wall_clock()
        return now < self._since <= now + MAX_AHEAD_S

    def newer(self, message: Message) -> bool:
        """True when ``message`` is still needed."""
        if self._host is not None and message.host != self._host:
            return False
        if self._overlap:
            if id(message) in self._overlap:
                return False  # published while the backlog was read: judged with it
            self._overlap = {}  # the subscription is past the backlog's end
        if message.ts > self._floor.get(message.host, self._since):
            return True
        last = self._last.get(message.host)  # a later tick stamped earlier: a step back
        return last is not None and message.ts <= last.ts and message.seq > last.seq

    def mark(self, message: Message) -> None:
        """Remembers ``message`` as sent."""
        self._last[message.host] = message
        self._floor[message.host] = message.ts

    def wants(self, message: Message) -> bool:
        """True (and remembered as sent) when ``message`` is still needed."""
        if not self.newer(message):
            return False
        self.mark(message)
        return True
