"""WebSocket frames of the live stream, built once per sample for every connection.

A server's frames are unmasked (RFC 6455, 5.1), so a frame's bytes depend on nothing but the
message: an uncompressed frame is built once (``plain_frame``) and written to every socket.

permessage-deflate (RFC 7692) with context takeover is what keeps the stream small (a sample
compresses to a few hundred bytes against the previous ones), but a compressed message refers
back to the earlier messages *of that connection*, so compressing per connection costs one
deflate pass per client per sample. Here each stream (all hosts, or one host's samples) has one
compressor shared by every connection that follows it, fed in publish order by the hub's publish
hook. Every ``KEYFRAME_EVERY`` messages the compressor is fully flushed (``Z_FULL_FLUSH``): the
next message refers to nothing before it, and any connection can join the shared stream there,
whatever its own decompressor saw before. A connection joins at a keyframe and from then on
must receive every frame of its stream, in order; after a gap (its queue overflowed) it sends
self-contained messages (``deflate_alone``) until the next keyframe. The per-connection logic is
in app/live/writers.py (``FrameWriter``).
"""

from __future__ import annotations

import itertools
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from app.hub import LiveHub, Message
from app.live.resume import later

KEYFRAME_EVERY = 20  # messages between two points where a connection may join a shared stream
WINDOW_BITS = 15  # the deflate window of shared streams: RFC 7692's default, what browsers take
FIN_TEXT = 0x81  # FIN + text opcode
RSV1 = 0x40  # "this message is compressed" (permessage-deflate)
DEFLATE_TAIL = b"\x00\x00\xff\xff"  # ends every flushed message; RFC 7692 leaves it out
PLAIN = "ws-plain"  # Message.encodings key of the uncompressed frame
ALONE = "ws-deflate-alone"  # Message.encodings key of the self-contained compressed frame
_stream_ids = itertools.count(1)


def frame(payload: bytes, compressed: bool = False) -> bytes:
    """One final, unmasked text frame carrying ``payload`` (RSV1 set when ``compressed``)."""
    first = FIN_TEXT | (RSV1 if compressed else 0)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


def plain_frame(message: Message) -> bytes:
    """The uncompressed frame of ``message``, built on first use and kept with the message."""
    data = message.encodings.get(PLAIN)
    if data is None:
        data = message.encodings[PLAIN] = frame(message.payload.encode())
    return data


def deflate_alone(message: Message) -> bytes:
    """A compressed frame of ``message`` that refers to nothing before it (decodable by any
    permessage-deflate client with a window of at least ``WINDOW_BITS``), built on first use
    and kept with the message."""
    data = message.encodings.get(ALONE)
    if data is None:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -WINDOW_BITS)
        body = compressor.compress(message.payload.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
        data = message.encodings[ALONE] = frame(body[: -len(DEFLATE_TAIL)], compressed=True)
    return data


@dataclass(frozen=True, slots=True)
class SharedFrame:
    """One message's frame in a shared deflate stream.

    ``stream`` identifies the compressor (a stream dropped and made again is a new one; an
    integer, so the backlog's frames do not keep dropped compressors alive), ``index`` is the
    message's position in it, and ``keyframe`` says the frame refers to nothing before it.
    """

    stream: int
    index: int
    keyframe: bool
    data: bytes


class DeflateStream:
    """One compressor for every connection that follows ``host`` (None: every host).

    Takes a message when it is of that host and later than the last one taken of its host
    (``resume.later``, the rule a connection applies, so a connection on the shared stream
    never needs a message the stream left out).
    """

    def __init__(self, host: str | None) -> None:
        self.host = host
        self.id = next(_stream_ids)
        self.users = 0
        self._compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -WINDOW_BITS)
        self._next_index = 0
        self._last: dict[str, Message] = {}

    def encode(self, message: Message) -> SharedFrame | None:
        """The message's frame in this stream, or None when the stream leaves it out."""
        if self.host is not None and message.host != self.host:
            return None
        if not later(message, self._last.get(message.host)):
            return None
        self._last[message.host] = message
        index = self._next_index
        self._next_index += 1
        # A full flush after the message before a keyframe: the keyframe then refers to nothing.
        last_before_keyframe = (index + 1) % KEYFRAME_EVERY == 0
        mode = zlib.Z_FULL_FLUSH if last_before_keyframe else zlib.Z_SYNC_FLUSH
        body = self._compressor.compress(message.payload.encode()) + self._compressor.flush(mode)
        data = frame(body[: -len(DEFLATE_TAIL)], compressed=True)
        return SharedFrame(self.id, index, index % KEYFRAME_EVERY == 0, data)


class SharedStreams:
    """The shared deflate streams of one hub: made when a connection joins, dropped with the
    last one, and fed every published message by the hub's publish hook."""

    def __init__(self, hub: LiveHub) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str | None, DeflateStream] = {}
        hub.add_publish_hook(self._on_publish)

    @staticmethod
    def key(host: str | None) -> tuple[str, str | None]:
        """The ``Message.encodings`` key of the shared frames of ``host``'s stream."""
        return ("ws-deflate", host)

    @contextmanager
    def joined(self, host: str | None) -> Iterator[None]:
        """Keeps ``host``'s stream fed while the caller follows it."""
        with self._lock:
            stream = self._streams.get(host)
            if stream is None:
                stream = self._streams[host] = DeflateStream(host)
            stream.users += 1
        try:
            yield
        finally:
            with self._lock:
                stream.users -= 1
                if stream.users == 0 and self._streams.get(host) is stream:
                    del self._streams[host]

    def __len__(self) -> int:
        with self._lock:
            return len(self._streams)

    def _on_publish(self, message: Message) -> None:
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            shared = stream.encode(message)
            if shared is not None:
                message.encodings[self.key(stream.host)] = shared
