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

Then ``storage.blocks`` itself at each block size and deflate level, whole blobs (timestamps,
missing masks, header and directory included), with the series a layout lacks as missing; and
a day's read of two series (``--series``) and of every series on SQLite, as the store reads
rows today (``read_frame``, into a DataFrame) and from a
table of blocks, scaled from the samples there are to 86,400.
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
from storage import blocks as codec
from storage.engine import make_engine
from storage.schema import hosts, process_snapshots, samples
from storage.store import MetricStore

DAY = 86_400

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
    decompressor = zstandard.ZstdDecompressor()
    for level in (3, 9):
        compressor = zstandard.ZstdCompressor(level=level)
        found[f"zstd-{level}"] = (compressor.compress, decompressor.decompress)
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


BlockInput = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]


def stored_block_input(url: str, host: str) -> BlockInput:
    """The host's raw rows as block input: the union of its layouts' series (sorted),
    timestamps (ms), values and where a sample's layout lacks a series (missing)."""
    store = MetricStore(make_engine(url))
    query = (
        select(samples.c.ts, samples.c.layout_id, samples.c.data)
        .join(hosts, hosts.c.id == samples.c.host_id)
        .where(hosts.c.name == host)
        .order_by(samples.c.ts)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
        names_by_layout = store.layout_names(conn, {r.layout_id for r in rows})
    names = sorted({n for layout in names_by_layout.values() for n in layout})
    values = np.full((len(rows), len(names)), np.nan)
    missing = np.ones(values.shape, bool)
    for position, row in enumerate(rows):
        columns = [names.index(n) for n in names_by_layout[row.layout_id]]
        values[position, columns] = np.frombuffer(row.data, dtype=np.float64)
        missing[position, columns] = False
    return names, np.array([r.ts for r in rows], dtype=np.int64), values, missing


def codec_rows(
    ts: np.ndarray, values: np.ndarray, missing: np.ndarray, sizes: list[int], wanted: list[int]
) -> list[list[object]]:
    """``storage.blocks`` per block size and level: B/point of whole blobs, encode µs a block,
    decode µs a day (every series, and only ``wanted``), each block checked bit for bit."""
    out: list[list[object]] = []
    for size in sizes:
        starts = range(0, len(ts) - size + 1, size)
        for level in (1, 6, 9):
            size_b = encode_s = all_s = some_s = 0.0
            for at in starts:
                part = slice(at, at + size)
                began = time.perf_counter()
                data = codec.encode_block(ts[part], values[part], missing[part], level)
                encoded = time.perf_counter()
                whole = codec.decode_block(data)
                decoded = time.perf_counter()
                codec.decode_block(data, wanted)
                some_s += time.perf_counter() - decoded
                all_s += decoded - encoded
                encode_s += encoded - began
                size_b += len(data)
                expected = np.where(missing[part], np.nan, values[part])
                if not np.array_equal(whole.values.view(np.uint64), expected.view(np.uint64)):
                    raise AssertionError("storage.blocks did not round-trip a block bit for bit")
                if not np.array_equal(whole.missing, missing[part]):
                    raise AssertionError("storage.blocks lost the missing mask")
            count = len(starts)
            per_day = DAY / (count * size) * 1e6
            out.append(
                [size, f"storage.blocks, deflate {level}",
                 f"{size_b / (count * values[part].size):.3f}",
                 f"{encode_s / count * 1e6:,.0f}", f"{all_s * per_day:,.0f}",
                 f"{some_s * per_day:,.0f}"]
            )  # fmt: skip
    return out


def read_rows(
    url: str, host: str, given: BlockInput, size: int, series: list[str], folder: str
) -> list[list[str]]:
    """ms to read ``series``, then every series, of a day on SQLite into a DataFrame: the rows
    as the store reads them today (one query, ``read_frame``) and blocks of ``size`` from a
    table of them in a file beside, both scaled from the samples stored to 86,400 (best of 5)."""
    import pandas as pd  # imported before the clock starts, as a server has it
    from sqlalchemy import BigInteger, Column, LargeBinary, MetaData, Table, insert

    store = MetricStore(make_engine(url))
    names, ts, values, missing = given
    table_ = Table("blocks", MetaData(), Column("start", BigInteger, primary_key=True),
                   Column("data", LargeBinary, nullable=False))  # fmt: skip
    engine = make_engine(f"sqlite:///{folder}/blocks-read.db")
    table_.metadata.drop_all(engine)
    table_.metadata.create_all(engine)
    with engine.begin() as conn:
        rows = [
            {"start": int(ts[at]), "data": codec.encode_block(
                ts[at : at + size], values[at : at + size], missing[at : at + size])}
            for at in range(0, len(ts), size)
        ]  # fmt: skip
        conn.execute(insert(table_), rows)

    def today(wanted: list[str]) -> None:
        store.read_frame(host, 0, 4e9, wanted)

    def from_blocks(wanted: list[str]) -> None:
        with engine.connect() as conn:
            blobs = conn.execute(select(table_.c.data).order_by(table_.c.start)).scalars().all()
        positions = [names.index(n) for n in wanted]
        parts = [codec.decode_block(blob, positions) for blob in blobs]
        stamps = np.concatenate([p.ts for p in parts])
        index = pd.DatetimeIndex(pd.to_datetime(stamps, unit="ms", utc=True), name="ts")
        pd.DataFrame(np.concatenate([p.values for p in parts]), index=index, columns=wanted)

    scale = DAY / len(ts)
    out = []
    for wanted, label in ((series, ", ".join(series)), (names, f"all {len(names)}")):
        for name, step in (("rows (today)", today), (f"blocks of {size}", from_blocks)):
            best = min(_timed(lambda s=step, w=wanted: s(w)) for _ in range(5))
            out.append([name, label, f"{best * scale * 1000:.0f}"])
    return out


def _timed(step: Callable[[], None]) -> float:
    began = time.perf_counter()
    step()
    return time.perf_counter() - began


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
    parser.add_argument("--rows", default="60,300,900,3600", help="block sizes, in samples")
    parser.add_argument("--read-rows", type=int, default=900, help="block size of the read")
    parser.add_argument("--series", default="cpu.total,memory.percent", help="two to read")
    parser.add_argument("--folder", default="/tmp", help="where the read's block table goes")
    parser.add_argument("--snapshot-rows", default="12,60", help="snapshots a block, to try")
    args = parser.parse_args()
    host, values = stored_values(args.database_url, args.host)
    print(f"## Block encodings ({machine()})\n")
    count, width = values.shape
    print(f"{count} real samples of {host}, {width} series; float64 today: 8 B a point\n")
    sizes = [int(r) for r in args.rows.split(",") if int(r) <= count]
    rows = []
    for size in sizes:
        for codec_name, compressor in codecs().items():
            for transform in TRANSFORMS:
                got = measure(values, size, compressor, transform)
                rows.append(
                    [size, f"{transform} + {codec_name}", f"{got['bytes']:.3f}",
                     f"{got['encode_us'] * size * width:,.0f}",
                     f"{got['decode_us'] * DAY * width:,.0f}"]
                )  # fmt: skip
    headers = ["block", "encoding", "B/point", "encode µs/block", "decode µs/day"]
    print(table(headers, rows))
    series = args.series.split(",")
    given = stored_block_input(args.database_url, host)
    names, ts, matrix, missing = given
    print(f"\n`storage.blocks` (whole blobs; a day: {DAY} samples; subset: {', '.join(series)})\n")
    got = codec_rows(ts, matrix, missing, sizes, [names.index(n) for n in series])
    print(table([*headers, "decode µs/day, subset"], got))
    print("\nA day read on SQLite into a DataFrame, ms (scaled from the stored samples)\n")
    read = read_rows(args.database_url, host, given, args.read_rows, series, args.folder)
    print(table(["read", "series", "ms a day"], read))
    documents = stored_snapshots(args.database_url, host)
    print(f"\nProcess snapshots: {len(documents)} (top lists as JSON), bytes a snapshot\n")
    sizes = [int(r) for r in args.snapshot_rows.split(",")]
    print(table(["block", "compressor", "B/snapshot"], snapshot_rows(documents, sizes)))


if __name__ == "__main__":
    main()
