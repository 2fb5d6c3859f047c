"""Process snapshot blocks: many top-process snapshots of one host in one compressed blob.

A snapshot row (``monitor_process_snapshots``) is one zlib-compressed JSON document, about
1.2 KB each; consecutive snapshots of a host repeat most of their names, users and command
lines, which one deflate stream over many of them removes (docs/benchmarks.md, "Process
snapshots in blocks"). A block keeps each snapshot's JSON bytes exactly as its row held them.

Layout (little-endian): a 12-byte header (``SB``, version, a spare byte, the snapshot count,
CRC-32 of the rest) and one zlib stream of the timestamps (int64 epoch ms, strictly
increasing), the documents' lengths (uint32) and the documents one after the other.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np

MAGIC = b"SB"
VERSION = 1
HEADER = struct.Struct("<2sBBII")  # magic, version, spare, snapshots, crc32 of the rest
LEVEL = 6


def encode_snapshots(ts: Sequence[int], documents: Sequence[bytes], level: int = LEVEL) -> bytes:
    """The block of ``documents`` (JSON bytes) taken at ``ts`` (strictly increasing epoch
    ms); ValueError for lengths that differ, no snapshot, or times that do not increase."""
    stamps = np.asarray(ts, dtype="<i8")
    if stamps.ndim != 1 or not stamps.size or stamps.size != len(documents):
        raise ValueError(f"snapshot block: {stamps.size} times for {len(documents)} snapshots")
    if stamps.size > 1 and not (np.diff(stamps) > 0).all():
        raise ValueError("snapshot block times must strictly increase")
    lengths = np.array([len(doc) for doc in documents], dtype="<u4")
    body = zlib.compress(stamps.tobytes() + lengths.tobytes() + b"".join(documents), level)
    return HEADER.pack(MAGIC, VERSION, 0, stamps.size, zlib.crc32(body)) + body


def decode_snapshots(data: bytes) -> list[tuple[int, bytes]]:
    """``(ts, document)`` of every snapshot in the block, oldest first; ValueError naming what
    is wrong with bytes that are not a whole block."""
    if len(data) < HEADER.size:
        raise ValueError(f"snapshot block truncated: {len(data)} bytes, the header alone is 12")
    magic, version, _spare, count, crc = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError(f"not a snapshot block: starts {bytes(magic)!r}, not {MAGIC!r}")
    if version != VERSION:
        raise ValueError(f"snapshot block version {version}: this code reads {VERSION}")
    body = data[HEADER.size :]
    if zlib.crc32(body) != crc:
        raise ValueError("snapshot block damaged or truncated: its CRC-32 does not match")
    raw = zlib.decompress(body)
    if len(raw) < 12 * count:
        raise ValueError(f"snapshot block: {len(raw)} bytes cannot hold {count} snapshots")
    stamps = np.frombuffer(raw, "<i8", count).tolist()
    lengths = np.frombuffer(raw, "<u4", count, 8 * count)
    ends = (12 * count + np.cumsum(lengths, dtype=np.int64)).tolist()
    if (ends[-1] if ends else 12 * count) != len(raw):
        raise ValueError("snapshot block: its lengths do not add up to its documents")
    starts = [12 * count, *ends[:-1]]
    return [(ts, raw[a:b]) for ts, a, b in zip(stamps, starts, ends, strict=True)]
