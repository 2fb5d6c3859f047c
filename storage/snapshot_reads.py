"""Reading a range of stored top-process snapshots, in time order, a chunk at a time.

The one reader of snapshots: rows (``monitor_process_snapshots``) and snapshot blocks
(``monitor_snapshot_blocks``, ``storage.snapshot_blocks``) read as one time series; a time in
both (a late row beside its block) reads as the block's.
"""

from __future__ import annotations

import heapq
import json
import zlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, func, select

from storage.cursors import stream_rows
from storage.schema import hosts, process_snapshots, snapshot_blocks
from storage.snapshot_blocks import decode_snapshots
from storage.store import MetricStore, to_ms

CHUNK = 2000
BLOCKS_PER_FETCH = 16


def iter_snapshots(
    store: MetricStore, host: str, start: float, end: float, *, previous: bool = False
) -> Iterator[tuple[float, dict[str, Any]]]:
    """``(ts, {"top_cpu": [...], "top_mem": [...]})`` of ``host`` in ``[start, end)``, oldest
    first (epoch seconds), and with ``previous`` the last one before ``start`` first (what
    was running as the range began); nothing for an unknown host."""
    store.ensure_schema()
    with store.engine.connect() as conn:
        host_id = conn.execute(select(hosts.c.id).where(hosts.c.name == host)).scalar()
        if host_id is None:
            return
        first, last = to_ms(start), to_ms(end)
        if previous:
            before = last_snapshot_before(conn, host_id, first)
            if before is not None:
                yield before[0] / 1000, json.loads(before[1])
        for ts, document in snapshot_documents(conn, host_id, first, last - 1):
            yield ts / 1000, json.loads(document)


def snapshot_documents(
    conn: Connection, host_id: int, first_ms: int, last_ms: int
) -> Iterator[tuple[int, bytes]]:
    """``(ts, JSON bytes)`` of ``host_id``'s snapshots with ``first_ms <= ts <= last_ms``,
    oldest first, from rows and blocks alike."""
    held = _block_documents(conn, host_id, first_ms, last_ms)
    rows = _row_documents(conn, host_id, first_ms, last_ms)
    previous = None
    for ts, _source, document in heapq.merge(held, rows):
        if ts != previous:  # the block's (source 0) comes first
            yield ts, document
        previous = ts


def last_snapshot_before(conn: Connection, host_id: int, before_ms: int) -> tuple | None:
    """``(ts, JSON bytes)`` of ``host_id``'s newest snapshot older than ``before_ms``."""
    c, b = process_snapshots.c, snapshot_blocks.c
    row = conn.execute(
        select(c.ts, c.data)
        .where(c.host_id == host_id, c.ts < before_ms)
        .order_by(c.ts.desc())
        .limit(1)
    ).first()
    block = conn.execute(
        select(b.data)
        .where(b.host_id == host_id, b.start_ts < before_ms)
        .order_by(b.start_ts.desc())
        .limit(1)
    ).scalar()
    held = None
    if block is not None:
        older = [(ts, doc) for ts, doc in decode_snapshots(bytes(block)) if ts < before_ms]
        held = older[-1] if older else None
    if row is not None and (held is None or row.ts > held[0]):
        return row.ts, zlib.decompress(row.data)
    return held


def snapshot_near(store: MetricStore, host: str, ts: float) -> dict[str, Any] | None:
    """The stored top-process snapshot of ``host`` nearest to ``ts`` (the earlier one of two
    as near), with its own ``ts``; None when ``host`` has none."""
    target = to_ms(ts)
    store.ensure_schema()
    with store.engine.connect() as conn:
        host_id = conn.execute(select(hosts.c.id).where(hosts.c.name == host)).scalar()
        if host_id is None:
            return None
        found = [
            near
            for near in (
                last_snapshot_before(conn, host_id, target + 1),
                first_snapshot_from(conn, host_id, target),
            )
            if near is not None
        ]
    if not found:
        return None
    best_ts, document = min(found, key=lambda near: abs(near[0] - target))
    return {**json.loads(document), "ts": best_ts / 1000}


def first_snapshot_from(conn: Connection, host_id: int, from_ms: int) -> tuple | None:
    """``(ts, JSON bytes)`` of ``host_id``'s oldest snapshot at or after ``from_ms``."""
    c, b = process_snapshots.c, snapshot_blocks.c
    row = conn.execute(
        select(c.ts, c.data).where(c.host_id == host_id, c.ts >= from_ms).order_by(c.ts).limit(1)
    ).first()
    candidates = [(row.ts, zlib.decompress(row.data))] if row is not None else []
    reaching = conn.execute(  # the block that may hold from_ms, then the next one
        select(b.data)
        .where(b.host_id == host_id, b.start_ts <= from_ms, b.end_ts >= from_ms)
        .order_by(b.start_ts.desc())
        .limit(1)
    ).scalar()
    following = conn.execute(
        select(b.data)
        .where(b.host_id == host_id, b.start_ts > from_ms)
        .order_by(b.start_ts)
        .limit(1)
    ).scalar()
    for data in (reaching, following):
        if data is not None:
            later = [(ts, doc) for ts, doc in decode_snapshots(bytes(data)) if ts >= from_ms]
            candidates += later[:1]
    return min(candidates, default=None)


def first_snapshot_time(conn: Connection, host_id: int) -> int | None:
    """The time of ``host_id``'s oldest snapshot, in a row or a block; None when it has none."""
    row = conn.execute(
        select(func.min(process_snapshots.c.ts)).where(process_snapshots.c.host_id == host_id)
    ).scalar()
    block = conn.execute(
        select(func.min(snapshot_blocks.c.start_ts)).where(snapshot_blocks.c.host_id == host_id)
    ).scalar()
    found = [t for t in (row, block) if t is not None]
    return min(found) if found else None


def _row_documents(
    conn: Connection, host_id: int, first_ms: int, last_ms: int
) -> Iterator[tuple[int, int, bytes]]:
    c = process_snapshots.c
    query = (
        select(c.ts, c.data)
        .where(c.host_id == host_id, c.ts >= first_ms, c.ts <= last_ms)
        .order_by(c.ts)
    )
    for rows in stream_rows(conn, query, CHUNK):
        for ts, data in rows:
            yield ts, 1, zlib.decompress(data)


def _block_documents(
    conn: Connection, host_id: int, first_ms: int, last_ms: int
) -> Iterator[tuple[int, int, bytes]]:
    b = snapshot_blocks.c
    # Blocks never overlap: only the last one starting at or before first_ms may reach it.
    reaching = (
        select(func.max(b.start_ts))
        .where(b.host_id == host_id, b.start_ts <= first_ms)
        .scalar_subquery()
    )
    query = (
        select(b.data)
        .where(
            b.host_id == host_id,
            b.start_ts >= func.coalesce(reaching, first_ms),
            b.start_ts <= last_ms,
            b.end_ts >= first_ms,
        )
        .order_by(b.start_ts)
    )
    for rows in stream_rows(conn, query, BLOCKS_PER_FETCH):
        for (data,) in rows:
            for ts, document in decode_snapshots(bytes(data)):
                if first_ms <= ts <= last_ms:
                    yield ts, 0, document
