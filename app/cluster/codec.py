"""Encoding hub messages as PostgreSQL NOTIFY payloads, and decoding them back.

A NOTIFY payload must stay under 8,000 bytes. A message's JSON is zlib-compressed and base64'd
(a typical sample shrinks from ~6 KB to ~2 KB) and, when still too long, split into parts that
are sent in one transaction (so they arrive together and in order). Each part reads
``origin|message id|part|parts|host|ts|seq|data`` (``host`` percent-encoded); ``origin``
identifies the sending process so it can ignore its own messages.

A summary (``app.hub.summary``, about 250 bytes) travels as plain JSON in one payload:
``origin|{"host":…,"ts":…,"seq":…,"cpu":…,…}``.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from urllib.parse import quote, unquote

from app.hub import Message
from app.hub.summary import VALUES, Summary

MAX_PAYLOAD = 7900  # bytes of one NOTIFY payload we allow ourselves (PostgreSQL's limit: 8000)
SEPARATOR = "|"


def encode(message: Message, origin: str, message_id: int) -> list[str]:
    """The NOTIFY payloads that carry ``message``, in order."""
    data = base64.b64encode(zlib.compress(message.payload.encode(), 6)).decode("ascii")
    host = quote(message.host, safe="")  # no separator in it; the summary names it alike
    header_room = 200 + len(host)
    size = MAX_PAYLOAD - header_room
    chunks = [data[i : i + size] for i in range(0, len(data), size)] or [""]
    return [
        SEPARATOR.join(
            (
                origin,
                str(message_id),
                str(part),
                str(len(chunks)),
                host,
                repr(message.ts),
                str(message.seq),
                chunk,
            )
        )
        for part, chunk in enumerate(chunks)
    ]


@dataclass
class _Partial:
    parts: list[str | None]
    host: str
    ts: float
    seq: int


class Reassembler:
    """Turns received payloads back into messages; parts of one message may be interleaved
    with other senders' parts. Malformed payloads are counted and ignored."""

    def __init__(self, own_origin: str) -> None:
        self.own_origin = own_origin
        self._partial: dict[tuple[str, str], _Partial] = {}
        self.malformed = 0

    def feed(self, payload: str) -> Message | None:
        """The completed message, or None while parts are missing (or the payload is ours)."""
        try:
            origin, message_id, part, parts, host, ts, seq, chunk = payload.split(SEPARATOR, 7)
            if origin == self.own_origin:
                return None
            key = (origin, message_id)
            partial = self._partial.get(key)
            if partial is None:
                partial = _Partial([None] * int(parts), unquote(host), float(ts), int(seq))
                self._partial[key] = partial
            partial.parts[int(part)] = chunk
            if any(p is None for p in partial.parts):
                if len(self._partial) > 1000:  # a sender died mid-message: forget stale parts
                    self._partial.clear()
                return None
            del self._partial[key]
            data = zlib.decompress(base64.b64decode("".join(partial.parts)))  # type: ignore[arg-type]
            return Message(partial.host, partial.ts, partial.seq, data.decode())
        except (ValueError, IndexError, zlib.error):
            self.malformed += 1
            return None


def encode_summary(summary: Summary, origin: str) -> str | None:
    """The one NOTIFY payload of ``summary``; None when it would not fit (a host name of
    thousands of characters)."""
    body = {"host": summary.host, "ts": summary.ts, "seq": summary.seq, **summary.values}
    payload = origin + SEPARATOR + json.dumps(body, separators=(",", ":"))
    return payload if len(payload.encode()) <= MAX_PAYLOAD else None


def decode_summary(payload: str, own_origin: str) -> Summary | None:
    """The summary a payload carries; None when it is ours. Raises ValueError when malformed."""
    origin, _, text = payload.partition(SEPARATOR)
    if origin == own_origin:
        return None
    body = json.loads(text)
    if not isinstance(body, dict) or not {"host", "ts", "seq"} <= body.keys():
        raise ValueError("a summary is a JSON object with host, ts and seq")
    values = {key: body.get(key) for key in VALUES}
    return Summary(str(body["host"]), float(body["ts"]), int(body["seq"]), values)
