"""Shared WebSocket frames: one deflate pass per sample, decoded by wsproto's real client side.

The bytes a writer sends are fed to wsproto's ``FrameProtocol`` as a browser-like client with
permessage-deflate negotiated: what it decodes must be exactly the payloads, in order.
"""

from __future__ import annotations

import zlib
from typing import Any

from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import FrameProtocol

from app.hub import LiveHub, Message
from app.live.frames import (
    DEFLATE_TAIL,
    KEYFRAME_EVERY,
    WINDOW_BITS,
    SharedStreams,
    frame,
    plain_frame,
)
from app.live.writers import PlainWriter, SharedDeflateWriter
from tests.support.samples import make_sample


class ClientDecoder:
    """A client's receiving side of one connection (permessage-deflate, context takeover)."""

    def __init__(self) -> None:
        extension = PerMessageDeflate()
        extension.finalize("permessage-deflate")
        self._protocol = FrameProtocol(client=True, extensions=[extension])
        self._parts: list[str] = []

    def feed(self, data: bytes) -> list[str]:
        """The whole text messages completed by ``data``."""
        self._protocol.receive_bytes(data)
        texts = []
        for received in self._protocol.received_frames():
            self._parts.append(received.payload)
            if received.message_finished:
                texts.append("".join(self._parts))
                self._parts.clear()
        return texts


class Wire:
    """A connection's socket and simple-websocket object as seen from the writer: every byte
    it writes, in order. ``send`` compresses per connection with context, as wsproto does."""

    def __init__(self) -> None:
        self.bytes: list[bytes] = []
        self._own = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -WINDOW_BITS)

    def send(self, data: Any) -> None:
        if isinstance(data, str):  # the simple-websocket path: compressed per connection
            body = self._own.compress(data.encode()) + self._own.flush(zlib.Z_SYNC_FLUSH)
            data = frame(body[: -len(DEFLATE_TAIL)], compressed=True)
        self.bytes.append(data)

    def decoded(self) -> list[str]:
        decoder = ClientDecoder()
        return [text for chunk in self.bytes for text in decoder.feed(chunk)]


def publish(hub: LiveHub, seqs: range, host: str = "test-host") -> list[Message]:
    return [hub.publish(make_sample(seq, host=host)) for seq in seqs]


def shared_writer(streams: SharedStreams, wire: Wire, host: str | None = None) -> Any:
    return SharedDeflateWriter(wire, wire, streams.key(host))


def test_a_shared_stream_decodes_in_order_with_one_decompressor() -> None:
    hub = LiveHub()
    streams = SharedStreams(hub)
    with streams.joined(None):
        messages = publish(hub, range(3 * KEYFRAME_EVERY))
    frames = [m.encodings[streams.key(None)] for m in messages]
    assert [f.index for f in frames] == list(range(len(messages)))
    assert [f.keyframe for f in frames] == [i % KEYFRAME_EVERY == 0 for i in range(len(messages))]
    decoder = ClientDecoder()
    assert [t for f in frames for t in decoder.feed(f.data)] == [m.payload for m in messages]
    # After a full flush, a client that saw nothing before decodes the rest all the same.
    late = ClientDecoder()
    tail = frames[KEYFRAME_EVERY:]
    expected = [m.payload for m in messages[KEYFRAME_EVERY:]]
    assert [t for f in tail for t in late.feed(f.data)] == expected
    # Consecutive samples share most of their text: with context they compress far better.
    assert len(frames[5].data) * 3 < len(frames[0].data)


def test_writers_that_join_at_different_times_send_the_same_bytes_after_a_keyframe() -> None:
    hub = LiveHub()
    streams = SharedStreams(hub)
    early, late = Wire(), Wire()
    with streams.joined(None):
        messages = publish(hub, range(2 * KEYFRAME_EVERY + 5))
    early_writer, late_writer = shared_writer(streams, early), shared_writer(streams, late)
    for message in messages:
        early_writer.write(message)
    for message in messages[7:]:  # a client that connected while the stream was going
        late_writer.write(message)
    assert early.decoded() == [m.payload for m in messages]
    assert late.decoded() == [m.payload for m in messages[7:]]
    after_keyframe = KEYFRAME_EVERY
    assert early.bytes[after_keyframe:] == late.bytes[after_keyframe - 7 :]
    # The early writer shared from its first frame on; the late one compressed 13 frames itself.
    assert (early_writer.own_frames, late_writer.own_frames) == (0, KEYFRAME_EVERY - 7)


def test_after_a_gap_frames_are_self_contained_until_the_next_keyframe() -> None:
    hub = LiveHub()
    streams = SharedStreams(hub)
    wire = Wire()
    with streams.joined(None):
        messages = publish(hub, range(2 * KEYFRAME_EVERY + 3))
    kept = messages[:5] + messages[6:]  # message 5 was dropped from a slow client's queue
    writer = shared_writer(streams, wire)
    for message in kept:
        writer.write(message)
    assert wire.decoded() == [m.payload for m in kept]
    assert writer.own_frames == KEYFRAME_EVERY - 6  # messages 6..19, until keyframe 20
    shared = messages[KEYFRAME_EVERY].encodings[streams.key(None)]
    assert wire.bytes[KEYFRAME_EVERY - 1] is shared.data


def test_a_host_stream_takes_only_that_hosts_newer_samples() -> None:
    hub = LiveHub()
    streams = SharedStreams(hub)
    with streams.joined("a"):
        a = publish(hub, range(3), host="a")
        b = publish(hub, range(3), host="b")
        again = hub.publish(make_sample(1, host="a"))  # older than the last one of a
    key = streams.key("a")
    assert [key in m.encodings for m in a + b + [again]] == [True] * 3 + [False] * 4


def test_a_stream_is_dropped_with_its_last_user_and_made_again_from_a_keyframe() -> None:
    hub = LiveHub()
    streams = SharedStreams(hub)
    with streams.joined(None), streams.joined(None):
        publish(hub, range(3))
        assert len(streams) == 1
    assert len(streams) == 0
    unfed = publish(hub, range(3, 5))
    assert all(streams.key(None) not in m.encodings for m in unfed)
    with streams.joined(None):
        first = publish(hub, range(5, 6))[0].encodings[streams.key(None)]
    assert (first.index, first.keyframe) == (0, True)


def test_frame_lengths_use_the_right_header_form() -> None:
    for size in (0, 125, 126, 65535, 65536, 70000):
        decoder = ClientDecoder()
        text = "x" * size
        message = Message("h", 1.0, 1, text)
        assert decoder.feed(plain_frame(message)) == [text]
    assert plain_frame(message) is plain_frame(message)  # built once


def test_a_plain_writer_sends_each_messages_one_frame() -> None:
    hub = LiveHub()
    messages = publish(hub, range(3))
    wires = [Wire(), Wire()]
    for wire in wires:
        writer = PlainWriter(wire)
        for message in messages:
            writer.write(message)
    assert wires[0].bytes == wires[1].bytes
    assert all(a is b for a, b in zip(wires[0].bytes, wires[1].bytes, strict=True))


def test_a_failing_publish_hook_does_not_stop_publishing() -> None:
    hub = LiveHub()

    def broken(message: Message) -> None:
        raise RuntimeError("encoder bug")

    hub.add_publish_hook(broken)
    with hub.subscribe() as subscription:
        hub.publish(make_sample(1))
        assert subscription.get(timeout=1) is not None
