"""Benchmark: bytes a point of candidate block encodings on real stored samples (issue 15).

Run: ``.venv/bin/python -m bench.blocks --database-url sqlite:///path/monitor.db [--host NAME]``

Reads the raw samples of one host that a real sampler stored (for example ``python -m app
agent`` left running for an hour), cuts them into blocks of N consecutive samples, and encodes
each block's series as columns with each candidate: float64 as stored today, then zlib, lzma
and (when the ``zstandard`` package is installed) zstd over the plain columns, over the XOR of
consecutive values, and over that XOR with its bytes shuffled (all first bytes, then all second
bytes ...), the layout time-series databases use. Every encoding is decoded again and checked
bit for bit against the input (NaN kept apart from values). Figures are the encoded payload
only: the database adds its row and index overhead (about 40 B a row on SQLite) per block.
"""

from __future__ import annotations

import argparse
import lzma
import time
import zlib
from collections.abc import Callable

import numpy as np
from sqlalchemy import select

from bench.common import machine, table
from storage.engine import make_engine
from storage.schema import hosts, process_snapshots
from storage.store import MetricStore

Codec = tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]


def codecs() -> dict[str, Codec]:
    """The byte compressors to try, by name: the standard library's, and zstd if installed."""
    found: dict[str, Codec] = {
        "zlib-6": (lambda b: zlib.compress(b, 6), zlib.decompress),
        "lzma": (lambda b: lzma.compress(b, preset=6), lzma.decompress),
    }
    try:
        import zstandard  # optional: measured only where installed
    except ImportError:
        return found
    compressor, decompressor = zstandard.ZstdCompressor(level=9), zstandard.ZstdDecompressor()
    found["zstd-9"] = (compressor.compress, decompressor.decompress)
    return found


def xor_previous(block: np.ndarray) -> np.ndarray:
    """Each column's bits XOR the previous row's (the first row kept), as uint64."""
    bits = block.view(np.uint64)
    out = bits.copy()
    out[1:] ^= bits[:-1]
    return out


def undo_xor(encoded: np.ndarray) -> np.ndarray:
    """The inverse of ``xor_previous``: a running XOR down each column, back to float64."""
    return np.bitwise_xor.accumulate(encoded, axis=0).view(np.float64)


def shuffle(words: np.ndarray) -> bytes:
    """The bytes of column-major ``words`` regrouped by byte position (8 planes)."""
    return np.ascontiguousarray(words.T).view(np.uint8).reshape(-1, 8).T.tobytes()


def unshuffle(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    """The inverse of ``shuffle`` for a block of ``shape`` (rows, columns)."""
    planes = np.frombuffer(data, dtype=np.uint8).reshape(8, -1)
    return np.ascontiguousarray(planes.T).view(np.uint64).reshape(shape[1], shape[0]).T


Transform = tuple[Callable[[np.ndarray], bytes], Callable[[bytes, tuple], np.ndarray]]
TRANSFORMS: dict[str, Transform] = {
    "columns": (
        lambda b: np.ascontiguousarray(b.T).tobytes(),
        lambda d, s: np.frombuffer(d, dtype=np.float64).reshape(s[1], s[0]).T,
    ),
    "xor": (
        lambda b: np.ascontiguousarray(xor_previous(b).T).tobytes(),
        lambda d, s: undo_xor(np.frombuffer(d, dtype=np.uint64).reshape(s[1], s[0]).T.copy()),
    ),
    "xor+shuffle": (
        lambda b: shuffle(xor_previous(b)),
        lambda d, s: undo_xor(unshuffle(d, s).copy()),
    ),
}


def blocks_of(values: np.ndarray, rows: int) -> list[np.ndarray]:
    """``values`` cut into whole blocks of ``rows`` samples (a last partial block is dropped)."""
    return [values[i : i + rows] for i in range(0, len(values) - rows + 1, rows)]


def measure(values: np.ndarray, rows: int, codec: Codec, transform: str) -> dict[str, float]:
    """Bytes a point, encode and decode µs a point of one encoding over whole blocks."""
    encode_transform, decode_transform = TRANSFORMS[transform]
    compress, decompress = codec
    blocks = blocks_of(values, rows)
    points = sum(b.size for b in blocks)
    size = encode_s = decode_s = 0.0
    for block in blocks:
        began = time.perf_counter()
        payload = compress(encode_transform(block))
        encoded = time.perf_counter()
        back = decode_transform(decompress(payload), block.shape)
        encode_s += encoded - began
        decode_s += time.perf_counter() - encoded
        size += len(payload)
        if not np.array_equal(back.view(np.uint64), block.view(np.uint64)):
            raise AssertionError(f"{transform} did not round-trip a block bit for bit")
    return {
        "bytes": size / points,
        "encode_us": encode_s / points * 1e6,
        "decode_us": decode_s / points * 1e6,
    }


def stored_values(url: str, host: str | None) -> tuple[str, np.ndarray]:
    """The host's raw samples as a (samples × series) float64 matrix, NaN where none."""
    store = MetricStore(make_engine(url))
    name = host or store.host_names()[0]
    frame = store.read_frame(name, 0, 4e9)
    return name, frame.to_numpy(dtype=np.float64)


def stored_snapshots(url: str, host: str) -> list[bytes]:
    """The host's stored process snapshots, decompressed: one JSON document a sample."""
    store = MetricStore(make_engine(url))
    query = (
        select(process_snapshots.c.data)
        .join(hosts, hosts.c.id == process_snapshots.c.host_id)
        .where(hosts.c.name == host)
        .order_by(process_snapshots.c.ts)
    )
    with store.engine.connect() as conn:
        return [zlib.decompress(row.data) for row in conn.execute(query)]


def snapshot_rows(documents: list[bytes], sizes: list[int]) -> list[list[str]]:
    """Bytes a snapshot: each compressed alone (today) and blocks of N compressed together."""
    today = sum(len(zlib.compress(doc, 6)) for doc in documents) / len(documents)
    rows = [["1 (today)", "zlib-6", f"{today:.0f}"]]
    for size in sizes:
        groups = [documents[i : i + size] for i in range(0, len(documents) - size + 1, size)]
        for codec_name, (compress, decompress) in codecs().items():
            total = 0
            for group in groups:
                payload = compress(b"\n".join(group))
                if decompress(payload).split(b"\n") != group:
                    raise AssertionError("a snapshot block did not round-trip")
                total += len(payload)
            rows.append([str(size), codec_name, f"{total / (len(groups) * size):.0f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default=None)
    parser.add_argument("--rows", default="60,300,900", help="block sizes to try, in samples")
    parser.add_argument("--snapshot-rows", default="12,60", help="snapshots a block, to try")
    args = parser.parse_args()
    host, values = stored_values(args.database_url, args.host)
    print(f"## Block encodings ({machine()})\n")
    count, width = values.shape
    print(f"{count} real samples of {host}, {width} series; float64 today: 8 B a point\n")
    rows = []
    for size in (int(r) for r in args.rows.split(",")):
        for codec_name, codec in codecs().items():
            for transform in TRANSFORMS:
                got = measure(values, size, codec, transform)
                rows.append(
                    [size, f"{transform} + {codec_name}", f"{got['bytes']:.3f}",
                     f"{got['encode_us']:.3f}", f"{got['decode_us']:.3f}"]
                )  # fmt: skip
    print(table(["block", "encoding", "B/point", "encode µs/point", "decode µs/point"], rows))
    documents = stored_snapshots(args.database_url, host)
    print(f"\nProcess snapshots: {len(documents)} (top lists as JSON), bytes a snapshot\n")
    sizes = [int(r) for r in args.snapshot_rows.split(",")]
    print(table(["block", "compressor", "B/snapshot"], snapshot_rows(documents, sizes)))


if __name__ == "__main__":
    main()
