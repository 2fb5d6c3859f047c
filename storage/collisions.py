"""Inserting sample rows and telling apart the ones a batch could not store.

``(host, ts)`` is the samples' key. A row whose key is taken is not stored, and it is one of:

- a **duplicate**: the same sample again (a batch retried after an ambiguous failure, a
  successor re-storing the samples a dead sampler relayed); nothing is lost;
- a **collision**: a different sample stamped with a time already stored, which happens after
  the host's wall clock stepped back (docs/sample-format.md). The stored row wins: it was
  there first, and history keeps one row per host and time; the newcomer is counted (the
  writer's ``sample_collisions``, in every sample's health and in ``/metrics``), never
  dropped silently.

``insert_samples`` tells which by ``RETURNING`` the keys really inserted (on SQLite and
PostgreSQL alike) and, only when some were not, by comparing the rows that hold those keys.

A key is also taken when a history block (``storage.compaction``) holds a sample at that time:
such a row is never inserted (it would read as the block's anyway) and is a duplicate when its
values are the block's sample bit for bit, else a collision. A row at a time a block's span
covers but holds no sample of (a late sample that fills a gap) is stored, and reads back in
its place among the block's (``storage.raw_reads``). Finding the blocks costs one indexed
query a host a batch; they are decoded only where a row falls inside one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection, func, select

from storage.blocks import decode_block
from storage.engine import insert_for
from storage.schema import blocks, samples


class BatchOutcome(NamedTuple):
    """What became of a batch's samples: stored, already stored, or colliding."""

    stored: int
    duplicates: int = 0
    collisions: int = 0


def insert_samples(conn: Connection, rows: list[dict[str, Any]]) -> BatchOutcome:
    """Inserts ``rows`` (host_id, ts, layout_id, data) in ``conn``'s transaction, skipping
    taken keys, and says how many were stored, duplicates and collisions."""
    if not rows:
        return BatchOutcome(0)
    held = _held_by_blocks(conn, rows)
    if held:
        free = [row for row in rows if (row["host_id"], row["ts"]) not in held]
        duplicates = sum(
            1 for row in rows if held.get((row["host_id"], row["ts"])) == _content(row)
        )
        outcome = _insert_rows(conn, free)
        blocked = len(rows) - len(free)
        return BatchOutcome(
            outcome.stored,
            outcome.duplicates + duplicates,
            outcome.collisions + blocked - duplicates,
        )
    return _insert_rows(conn, rows)


def _insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> BatchOutcome:
    """Inserts ``rows``, none of whose keys a block holds; the outcome as ``insert_samples``."""
    if not rows:
        return BatchOutcome(0)
    insert = insert_for(conn.dialect.name)
    statement = insert(samples).on_conflict_do_nothing().returning(samples.c.host_id, samples.c.ts)
    inserted = {(row.host_id, row.ts) for row in conn.execute(statement, rows)}
    left: list[dict[str, Any]] = []
    for row in rows:
        key = (row["host_id"], row["ts"])
        if key in inserted:
            inserted.discard(key)  # the first row of a key in the batch is the one stored
        else:
            left.append(row)
    if not left:
        return BatchOutcome(len(rows))
    stored_rows = _rows_holding(conn, left)
    duplicates = sum(
        1 for row in left if stored_rows.get((row["host_id"], row["ts"])) == _content(row)
    )
    return BatchOutcome(len(rows) - len(left), duplicates, len(left) - duplicates)


def _rows_holding(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple, tuple]:
    """(host_id, ts) -> (layout_id, data) of the stored rows with the keys of ``rows``."""
    by_host: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        by_host[row["host_id"]].add(row["ts"])
    found: dict[tuple, tuple] = {}
    for host_id, stamps in by_host.items():
        query = select(samples.c.ts, samples.c.layout_id, samples.c.data).where(
            samples.c.host_id == host_id, samples.c.ts.in_(sorted(stamps))
        )
        for row in conn.execute(query):
            found[(host_id, row.ts)] = (row.layout_id, bytes(row.data))
    return found


def _content(row: dict[str, Any]) -> tuple[int, bytes]:
    return row["layout_id"], bytes(row["data"])


def _held_by_blocks(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple, tuple]:
    """(host_id, ts) -> (layout_id, packed values) of the samples that blocks hold at the
    times of ``rows``: empty unless some row falls inside a block's span."""
    spans: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        spans[row["host_id"]].append(row["ts"])
    found: dict[tuple, tuple] = {}
    c = blocks.c
    for host_id, stamps in spans.items():
        low, high = min(stamps), max(stamps)
        # Blocks never overlap: only the last one starting at or before ``low`` may reach it.
        first = (
            select(func.max(c.start_ts))
            .where(c.host_id == host_id, c.start_ts <= low)
            .scalar_subquery()
        )
        query = select(c.layout_id, c.data).where(
            c.host_id == host_id,
            c.start_ts >= func.coalesce(first, low),
            c.start_ts <= high,
            c.end_ts >= low,
        )
        wanted = np.array(stamps, dtype=np.int64)
        for layout_id, data in conn.execute(query):
            times = decode_block(bytes(data), []).ts
            if not np.isin(wanted, times).any():
                continue
            block = decode_block(bytes(data))
            for index in np.flatnonzero(np.isin(block.ts, wanted)):
                packed = block.values[index].astype("<f8").tobytes()
                found[(host_id, int(block.ts[index]))] = (layout_id, packed)
    return found
