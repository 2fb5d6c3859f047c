"""One connection's stream: the hub's backlog (thin: ``as_sent``), then every new sample, one
per frame.

Each text frame is one sample's JSON exactly as the hub serialized it (``Message.payload``), so a
sample is encoded once however many browsers watch; its frame bytes too are built once and
shared by every connection (``frames``, ``writers``).

A connection holds one server thread, which sleeps on its hub subscription. It is woken by a new
sample, by simple-websocket's reader thread (the client sent a frame or went away: its event is
a ``SignalEvent``) and by shutdown, so a client that goes away frees its thread and its
subscription at once. While idle and in step, the subscription is parked and the publisher's
thread writes the shared frame itself (``_direct_delivery``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simple_websocket import ConnectionClosed

from app.hub import LiveHub, Message, Subscription
from app.live.connections import DeliveryCounts, LiveSocket, SignalEvent
from app.live.frames import SharedStreams
from app.live.resume import SentFilter
from app.live.transport import WholeFrameSocket
from app.live.writers import FrameWriter, frame_writer

log = logging.getLogger(__name__)

WAIT_S = 0.25  # longest wait between two looks at a socket whose events cannot wake the stream
IDLE_WAIT_S = 5.0  # longest wait when they can (a safety net: wake-ups come as they happen)

# Close codes (RFC 6455, section 7.4.1) this endpoint sends.
CLOSE_GOING_AWAY = 1001  # the server shuts down: reconnect
CLOSE_POLICY = 1008  # the client sent a frame: this endpoint accepts none
CLOSE_TOO_BIG = 1009  # sent by simple-websocket for a frame over MAX_MESSAGE_SIZE


# -- query parameters ----------------------------------------------------------------------


@dataclass(frozen=True)
class StreamQuery:
    """What one connection asked for: the samples after the one stamped ``since`` (see
    ``app.live.resume``), of ``host`` when given."""

    since: float | None = None
    host: str | None = None


def parse_query(args: Mapping[str, str]) -> StreamQuery:
    """Reads ``since`` (epoch seconds) and ``host``; a malformed ``since`` is a ValueError."""
    raw_since = args.get("since")
    since = None
    if raw_since not in (None, ""):
        since = float(raw_since)
        if not math.isfinite(since):
            raise ValueError(raw_since)
    host = args.get("host") or None
    return StreamQuery(since, host)


# -- the stream ----------------------------------------------------------------------------


def stream(
    ws: LiveSocket,
    hub: LiveHub,
    query: StreamQuery,
    stop: threading.Event | None = None,
    streams: SharedStreams | None = None,
    counts: DeliveryCounts | None = None,
) -> None:
    """Sends the backlog from ``query.since`` on, then every new sample, until the end.

    The subscription is taken before the backlog is read, so no sample falls between the two;
    ``since`` is resolved against the backlog in publish order, and a sample is sent only when
    it comes after the last one sent of its host, so none is sent twice (``resume``: a host's
    clock may step back).
    Frames are written by the connection's ``FrameWriter`` (shared frames of ``streams`` when
    the socket allows). Ends when the client disconnects, sends any frame (closed with 1008),
    or ``stop`` is set (closed with 1001). The subscription is always closed on the way out.
    """
    stop = stop or threading.Event()
    counts = counts or DeliveryCounts()
    sent = SentFilter(query)
    with contextlib.ExitStack() as exits:
        writer = frame_writer(ws, streams, query.host, exits)
        subscription = exits.enter_context(hub.subscribe())
        woken = _wake_on(subscription, (getattr(ws, "event", None), stop), exits)
        wait = IDLE_WAIT_S if woken else WAIT_S
        sock = getattr(ws, "sock", None)
        take = _direct_delivery(writer, sent, sock, subscription, counts) if woken else None
        try:
            for message in as_sent(hub, sent.backlog(hub.backlog(host=query.host))):
                writer.write(message)
            while ws.connected:
                message = subscription.get(timeout=wait)
                subscription.unpark()  # from here on, only this thread writes
                if stop.is_set():  # the sample in hand was published before: it goes first
                    if message is not None and sent.wants(message):
                        writer.write(message)
                    ws.close(CLOSE_GOING_AWAY, "server shutting down")
                    return
                if take is not None:
                    sock.flush()
                if message is not None and sent.wants(message):
                    writer.write(message)
                if ws.connected and ws.receive(timeout=0) is not None:
                    ws.close(CLOSE_POLICY, "this endpoint accepts no client messages")
                    return
                if take is not None and ws.connected and not stop.is_set():
                    subscription.park(take)
        except (ConnectionClosed, OSError) as error:
            log.debug("live client gone: %s", error)


def as_sent(hub: LiveHub, backlog: list[Message]) -> list[Message]:
    """The backlog as a connection gets it: every sample thin (what the graphs draw,
    ``app.hub.thin``) except each host's newest, whole (the cards, tables and health)."""
    newest = {message.host: message for message in backlog}
    frames = []
    for message in backlog:
        if newest[message.host] is not message:
            frames.append(message.thinned() if message.whole else message)
            continue
        latest = hub.latest(message.host)
        same = latest is not None and (latest.ts, latest.seq) == (message.ts, message.seq)
        frames.append(latest if same else message)
    return frames


def _direct_delivery(
    writer: FrameWriter,
    sent: SentFilter,
    sock: Any,
    subscription: Subscription,
    counts: DeliveryCounts,
) -> Callable[[Message], bool] | None:
    """What the publisher's thread does with a message while the connection is idle
    (``Subscription.park``): it writes the message's shared frame without blocking, so an idle
    connection's thread need not wake for each sample. None when the connection has no shared
    frames or its socket cannot be written without blocking."""
    if not writer.shares_frames or not isinstance(sock, WholeFrameSocket) or not sock.can_offer:
        return None
    sock.on_close = subscription.wake  # simple-websocket's reader thread closes the socket last

    def take(message: Message) -> bool:
        if not sent.newer(message):
            return True  # nothing to send
        data = writer.take(message)
        if data is None:
            return False  # needs this connection's own work: its thread does it
        sent.mark(message)
        counts.direct += 1
        if not sock.offer(data):
            subscription.wake()  # the kernel took part of it: the thread sends the rest
        return True

    return take


def _wake_on(
    subscription: Subscription, events: tuple[object, ...], exits: contextlib.ExitStack
) -> bool:
    """Wakes ``subscription`` whenever one of ``events`` is set; True when every one can."""
    hooked = [event for event in events if isinstance(event, SignalEvent)]
    for event in hooked:
        event.add_listener(subscription.wake)
        exits.callback(event.remove_listener, subscription.wake)
    return len(hooked) == len(events)
