"""How one WebSocket connection writes the live stream's messages: shared frames when it can.

``frame_writer`` picks, from what the handshake negotiated:

- no compression: the message's one uncompressed frame, shared by every connection
  (``PlainWriter``);
- permessage-deflate with context takeover and the default window (what browsers negotiate):
  the shared deflate stream of the connection's host filter (``SharedDeflateWriter``), joined at
  its next keyframe;
- anything else (a client that asked for a smaller server window or for
  ``server_no_context_takeover``, or a socket whose negotiation cannot be read): simple-websocket
  compresses per connection (``ConnectionWriter``), as it would by itself.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from wsproto.extensions import PerMessageDeflate

from app.hub import Message
from app.live.frames import WINDOW_BITS, SharedFrame, SharedStreams, deflate_alone, plain_frame


class FrameWriter(Protocol):
    """Writes one message to one connection; messages come in publish order, each once.

    ``take`` returns the finished frame bytes of a message that needs no work of this
    connection's (a shared frame), accounting it as sent, or None; the caller then writes those
    bytes itself, from any thread. ``shares_frames`` is False for a writer whose ``take``
    never gives anything (every frame is the connection's own work).
    """

    shares_frames: bool

    def write(self, message: Message) -> None: ...

    def take(self, message: Message) -> bytes | None: ...


class ConnectionWriter:
    """Through the socket object (simple-websocket frames and compresses per connection)."""

    shares_frames = False

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def write(self, message: Message) -> None:
        self._ws.send(message.payload)

    def take(self, message: Message) -> None:
        return None  # every frame is this connection's own


class PlainWriter:
    """The message's uncompressed frame, built once for every connection."""

    shares_frames = True

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def write(self, message: Message) -> None:
        self._sock.send(plain_frame(message))

    def take(self, message: Message) -> bytes:
        return plain_frame(message)


class SharedDeflateWriter:
    """Compressed frames: per connection until a keyframe of the shared stream, shared after.

    Until the first keyframe, messages go through simple-websocket's own compressor (with
    context, so a backlog compresses well). From a keyframe on, the connection's frames are
    the shared stream's, byte for byte, as long as it receives every one of them in order.
    Once the connection has had shared frames, its own compressor no longer matches what the
    client's decompressor holds, so after a gap (messages dropped for a slow client) it sends
    self-contained frames until the next keyframe.
    """

    shares_frames = True

    def __init__(self, ws: Any, sock: Any, key: Any) -> None:
        self._ws = ws
        self._sock = sock
        self._key = key
        self._own_context = True  # simple-websocket's compressor still matches the client
        self._last: SharedFrame | None = None  # the last shared frame sent, when in step
        self.own_frames = 0  # messages this connection compressed itself

    def write(self, message: Message) -> None:
        data = self.take(message)
        if data is not None:
            self._sock.send(data)
            return
        self.own_frames += 1
        self._last = None
        if self._own_context:
            self._ws.send(message.payload)
        else:
            self._sock.send(deflate_alone(message))

    def take(self, message: Message) -> bytes | None:
        shared: SharedFrame | None = message.encodings.get(self._key)
        if shared is None or not (shared.keyframe or self._follows(shared)):
            return None
        self._last = shared
        self._own_context = False
        return shared.data

    def _follows(self, shared: SharedFrame) -> bool:
        last = self._last
        return last is not None and shared.stream is last.stream and shared.index == last.index + 1


def negotiated_extensions(ws: Any) -> list[Any] | None:
    """The extensions a simple-websocket connection's handshake agreed on; None if unknown."""
    connection = getattr(getattr(ws, "ws", None), "connection", None)
    extensions = getattr(getattr(connection, "_proto", None), "extensions", None)
    return list(extensions) if isinstance(extensions, list) else None


def frame_writer(
    ws: Any, streams: SharedStreams | None, host: str | None, exits: contextlib.ExitStack
) -> FrameWriter:
    """The writer for connection ``ws`` following ``host``; a shared stream it joins is left
    when ``exits`` closes."""
    sock = getattr(ws, "sock", None)
    extensions = negotiated_extensions(ws)
    if sock is None or extensions is None:
        return ConnectionWriter(ws)
    deflate = next((e for e in extensions if isinstance(e, PerMessageDeflate)), None)
    if deflate is None or not deflate.enabled():
        return PlainWriter(sock)
    shareable = (
        streams is not None
        and not deflate.server_no_context_takeover
        and deflate.server_max_window_bits == WINDOW_BITS
    )
    if not shareable:
        return ConnectionWriter(ws)
    exits.enter_context(streams.joined(host))
    return SharedDeflateWriter(ws, sock, streams.key(host))
