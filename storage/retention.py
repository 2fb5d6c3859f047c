"""Retention: deleting history past its age, per tier, in small indexed range deletes.

Each delete removes at most ``chunk_rows`` rows of one host, found by an index range scan on the
primary key (host, [tier,] time), and commits on its own, so neither database holds long locks
or builds a huge transaction, however much is due. Raw samples are only deleted once they are
rolled up into 1-minute buckets, and 1-minute buckets once they are in 1-hour ones, so a stopped
rollup job never loses history; history blocks (``storage.compaction``) once their newest
sample is past the raw age, so a block straddling the cutoff is kept whole until its end passes
(at most one block, 15 minutes at 1 Hz, beyond the age); process snapshots once their hours
are in the process usage rollup, which is kept as long as 1-hour buckets.

On PostgreSQL the blocks table is partitioned by day (``storage.partitions``): first every
partition whose every block is past its host's cutoff is dropped whole, then blocks are deleted
one by one only where ``start_ts`` is before the cutoff, which prunes the scan to the partitions
left there (the boundary day, and one before it held by a block that straddles its end).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, select

from storage.compaction import BLOCK_SAMPLES
from storage.partitions import drop_expired
from storage.process_rollups import processes_done
from storage.schema import (
    blocks,
    hosts,
    process_snapshots,
    process_usage,
    rollups,
    samples,
    snapshot_blocks,
)
from storage.store import MetricStore, to_ms
from storage.tiers import HOUR, MINUTE, done_until

DAY = 86400.0


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each tier is kept, in seconds (process snapshots live as long as raw samples)."""

    raw: float = 7 * DAY
    minute: float = 90 * DAY
    hour: float = 2 * 365 * DAY


def enforce_retention(
    store: MetricStore, policy: RetentionPolicy, now: float, *, chunk_rows: int = 10_000
) -> dict[str, int]:
    """Deletes what is older than its tier's age as of ``now``; returns rows deleted per table
    (``samples``: raw samples, in rows and in blocks)."""
    store.ensure_schema()
    with store.engine.connect() as conn:
        host_ids = list(conn.execute(select(hosts.c.id)).scalars())
    deleted = {"samples": 0, "process_snapshots": 0, "rollups_1m": 0, "rollups_1h": 0,
               "process_usage": 0, "snapshot_blocks": 0}  # fmt: skip
    now_ms = to_ms(now)
    done: dict[int, tuple[int, int, int]] = {}
    for host in host_ids:
        with store.engine.connect() as conn:
            done[host] = (
                done_until(conn, host, MINUTE) or 0,
                done_until(conn, host, HOUR) or 0,
                processes_done(conn, host) or 0,
            )
    raw_cutoffs = {host: min(now_ms - to_ms(policy.raw), done[host][0]) for host in host_ids}
    deleted["samples"] += drop_expired(store.engine, raw_cutoffs, now_ms - to_ms(policy.raw))
    for host in host_ids:
        _, hour_done, processes_rolled = done[host]
        raw_cutoff = raw_cutoffs[host]
        minute_cutoff = min(now_ms - to_ms(policy.minute), hour_done)
        deleted["samples"] += _delete_before(
            store, samples, samples.c.ts, host, raw_cutoff, chunk_rows
        )
        deleted["samples"] += _delete_blocks_before(store, host, raw_cutoff, chunk_rows)
        snapshot_cutoff = min(now_ms - to_ms(policy.raw), processes_rolled)
        deleted["process_snapshots"] += _delete_before(
            store, process_snapshots, process_snapshots.c.ts, host, snapshot_cutoff, chunk_rows
        )
        deleted["snapshot_blocks"] += _delete_before(  # whole: once their newest is past it
            store, snapshot_blocks, snapshot_blocks.c.end_ts, host, snapshot_cutoff, chunk_rows
        )
        deleted["process_usage"] += _delete_before(
            store, process_usage, process_usage.c.bucket, host, now_ms - to_ms(policy.hour),
            chunk_rows,
        )  # fmt: skip
        for tier, cutoff, key in (
            (MINUTE, minute_cutoff, "rollups_1m"),
            (HOUR, now_ms - to_ms(policy.hour), "rollups_1h"),
        ):
            deleted[key] += _delete_before(
                store, rollups, rollups.c.bucket, host, cutoff, chunk_rows, tier=tier.code
            )
    return deleted


def _delete_before(
    store: MetricStore,
    table: Table,
    time_column: Any,
    host: int,
    cutoff_ms: int,
    chunk_rows: int,
    *,
    tier: int | None = None,
) -> int:
    """Deletes ``host``'s rows with time < ``cutoff_ms``, ``chunk_rows`` per transaction."""
    total = 0
    while True:
        with store.engine.begin() as conn:
            where = _rows_of(table, host, tier)
            # The time of the chunk_rows-th oldest row below the cutoff bounds this chunk.
            boundary = conn.execute(
                select(time_column)
                .where(*where, time_column < cutoff_ms)
                .order_by(time_column)
                .offset(chunk_rows)
                .limit(1)
            ).scalar()
            bound = cutoff_ms if boundary is None else boundary
            count = _delete(conn, table, where, time_column, bound)
        total += count
        if boundary is None or count == 0:
            return total


def _rows_of(table: Table, host: int, tier: int | None) -> list[ColumnElement[bool]]:
    where = [table.c.host_id == host]
    if tier is not None:
        where.append(table.c.tier == tier)
    return where


def _delete(
    conn: Connection,
    table: Table,
    where: list[ColumnElement[bool]],
    time_column: Any,
    bound: int,
) -> int:
    result = conn.execute(delete(table).where(*where, time_column < bound))
    return max(result.rowcount, 0)


def _delete_blocks_before(store: MetricStore, host: int, cutoff_ms: int, chunk_rows: int) -> int:
    """Deletes ``host``'s blocks whose newest sample is before ``cutoff_ms``, a few per
    transaction (about ``chunk_rows`` samples); returns the samples they held."""
    total = 0
    per_chunk = max(1, chunk_rows // BLOCK_SAMPLES)
    while True:
        with store.engine.begin() as conn:
            due = conn.execute(
                select(blocks.c.start_ts, blocks.c.count)
                .where(
                    blocks.c.host_id == host,
                    blocks.c.start_ts < cutoff_ms,  # (implied: prunes later partitions)
                    blocks.c.end_ts < cutoff_ms,
                )
                .order_by(blocks.c.start_ts)
                .limit(per_chunk)
            ).all()
            if not due:
                return total
            starts = [row.start_ts for row in due]
            conn.execute(
                delete(blocks).where(blocks.c.host_id == host, blocks.c.start_ts.in_(starts))
            )
        total += sum(row.count for row in due)
