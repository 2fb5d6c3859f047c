"""Benchmark: process snapshots in blocks against one row each (issue 15).

Run: ``.venv/bin/python -m bench.snapshot_blocks --database-url sqlite:///path/monitor.db``

Reads the top-process snapshots of one host that a real sampler stored (``python -m app agent``
left running, with ``MONITOR_COMPACT_BLOCKS=0`` so they stay rows), and for each block size
and deflate level encodes them as ``storage.snapshot_blocks`` does: bytes a snapshot (blobs
only; rows are measured the same way, their zlib'd JSON), encode time a block, and the time to
decode a day's worth (scaled from the snapshots there are to one every 5 s for 86,400 s) next
to decompressing a day of rows. Every block is decoded and compared byte for byte.
"""

from __future__ import annotations

import argparse
import time
import zlib

from sqlalchemy import select

from bench.common import machine, table
from storage.engine import make_engine
from storage.schema import hosts, process_snapshots
from storage.snapshot_blocks import decode_snapshots, encode_snapshots

SIZES = (60, 180, 360, 720)
LEVELS = (1, 6, 9)
DAY_SNAPSHOTS = 86_400 // 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default=None, help="the host's name (default: the first)")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    with engine.connect() as conn:
        query = select(hosts.c.id)
        if args.host:
            query = query.where(hosts.c.name == args.host)
        host = conn.execute(query.limit(1)).scalar_one()
        rows = conn.execute(
            select(process_snapshots.c.ts, process_snapshots.c.data)
            .where(process_snapshots.c.host_id == host)
            .order_by(process_snapshots.c.ts)
        ).all()
    stamps = [row.ts for row in rows]
    blobs = [bytes(row.data) for row in rows]
    started = time.perf_counter()
    documents = [zlib.decompress(blob) for blob in blobs]
    row_decode = (time.perf_counter() - started) / len(rows) * DAY_SNAPSHOTS
    row_bytes = sum(map(len, blobs)) / len(rows)
    out = [
        [
            "rows (one zlib'd JSON each)",
            "-",
            f"{row_bytes:.0f}",
            "1.00",
            "-",
            f"{row_decode * 1000:.0f}",
        ]
    ]
    for size in SIZES:
        if size > len(rows):
            continue
        for level in LEVELS:
            out.append(measure(stamps, documents, size, level, row_bytes))
    print(f"machine: {machine()}")
    print(
        f"{len(rows)} real snapshots of one host; JSON {sum(map(len, documents)) / len(rows):.0f} "
        f"B each on average\n"
    )
    print(
        table(
            ["layout", "level", "B a snapshot", "of rows", "encode ms a block", "decode ms a day"],
            out,
        )
    )


def measure(
    stamps: list[int], documents: list[bytes], size: int, level: int, row_bytes: float
) -> list[str]:
    """One table row: blocks of ``size`` snapshots at deflate ``level`` (whole blocks only)."""
    whole = len(stamps) - len(stamps) % size
    total = encode_s = decode_s = 0.0
    for at in range(0, whole, size):
        ts, docs = stamps[at : at + size], documents[at : at + size]
        started = time.perf_counter()
        data = encode_snapshots(ts, docs, level)
        encode_s += time.perf_counter() - started
        started = time.perf_counter()
        decoded = decode_snapshots(data)
        decode_s += time.perf_counter() - started
        assert decoded == list(zip(ts, docs, strict=True))
        total += len(data)
    blocks = whole // size
    per = total / whole
    return [
        f"blocks of {size}",
        str(level),
        f"{per:.0f}",
        f"{per / row_bytes:.2f}",
        f"{encode_s / blocks * 1000:.1f}",
        f"{decode_s / whole * DAY_SNAPSHOTS * 1000:.0f}",
    ]


if __name__ == "__main__":
    main()
