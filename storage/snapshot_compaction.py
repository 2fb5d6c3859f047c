"""Compaction of process snapshots: older snapshot rows become snapshot blocks.

Per host, ``BLOCK_SNAPSHOTS`` consecutive snapshot rows after the host's newest snapshot block
become one ``monitor_snapshot_blocks`` row once all of them are older than the horizon (the
writer's batches, a successor's re-stored backlog). As with sample blocks
(``storage.compaction``), each block is one transaction: encoded, decoded and compared byte for
byte, inserted, and exactly its rows deleted, so an interruption leaves the rows or the block.
A snapshot written later at a time a block holds is not stored (``storage.snapshot_keys``).
"""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from storage.compaction import BlockCompactor, CompactionConflict
from storage.schema import process_snapshots, snapshot_blocks
from storage.snapshot_blocks import LEVEL, decode_snapshots, encode_snapshots

BLOCK_SNAPSHOTS = 180  # 15 minutes at the default 5 s: docs/benchmarks.md


def compact_snapshots(
    conn: Connection, host: int, before_ms: int, size: int = BLOCK_SNAPSHOTS
) -> int:
    """Writes ``host``'s next snapshot block of ``size`` rows older than ``before_ms`` in
    ``conn``'s transaction; returns the snapshots in it, 0 when fewer are due."""
    c = process_snapshots.c
    frontier = conn.execute(
        select(func.max(snapshot_blocks.c.end_ts)).where(snapshot_blocks.c.host_id == host)
    ).scalar()
    where = [c.host_id == host, c.ts < before_ms]
    if frontier is not None:
        where.append(c.ts > frontier)
    rows = conn.execute(select(c.ts, c.data).where(*where).order_by(c.ts).limit(size)).all()
    if len(rows) < size:
        return 0
    stamps = [row.ts for row in rows]
    documents = [zlib.decompress(row.data) for row in rows]
    data = encode_snapshots(stamps, documents, LEVEL)
    if decode_snapshots(data) != list(zip(stamps, documents, strict=True)):
        raise AssertionError(f"snapshot block of host {host} does not decode byte for byte")
    block = {"host_id": host, "start_ts": stamps[0], "end_ts": stamps[-1]}
    conn.execute(insert(snapshot_blocks), [block | {"count": size, "data": data}])
    gone = conn.execute(
        delete(process_snapshots).where(c.host_id == host, c.ts >= stamps[0], c.ts <= stamps[-1])
    ).rowcount
    if gone != size:
        raise CompactionConflict(f"host {host}: {gone} snapshot rows in a block of {size}")
    return size


class SnapshotCompactor(BlockCompactor):
    """``BlockCompactor``'s runs (the horizon, at most ``max_blocks`` a run, cancellable) over
    process snapshots: ``block_samples`` snapshots a block."""

    def __init__(self, *args: Any, block_samples: int = BLOCK_SNAPSHOTS, **options: Any) -> None:
        super().__init__(*args, block_samples=block_samples, **options)

    def compact_one(self, host: int, before_ms: int) -> int:
        """Writes ``host``'s next snapshot block older than ``before_ms``, in a transaction of
        its own; returns its snapshots, 0 when no whole block is due."""
        with self.store.engine.begin() as conn:
            return compact_snapshots(conn, host, before_ms, self.block_samples)
