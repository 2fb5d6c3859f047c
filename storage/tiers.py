"""The three resolutions history is kept at, and reading each one back as Aggregates.

``raw`` is the samples table (one row per tick) and the history blocks, read as one by
``storage.raw_reads``; ``1m`` and ``1h`` are rollup rows. Every reader takes a half-open range
``[start_ms, end_ms)`` of epoch milliseconds and a host id, and uses the primary-key index
(host, [tier,] time) for a range scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from storage.aggregates import Aggregates, transpose, unpack_matrix
from storage.cursors import stream_rows
from storage.projection import projected_rollup_query, projected_rows_to_aggregates
from storage.raw_reads import next_raw_time, oldest_raw, read_raw, stream_raw
from storage.schema import hosts, rollup_state, rollups
from storage.store import MetricStore


@dataclass(frozen=True)
class Tier:
    """A resolution: ``width_ms`` is the bucket width (0 for raw samples)."""

    name: str
    width_ms: int

    @property
    def code(self) -> int:
        """The value of the rollups table's ``tier`` column: the width in seconds."""
        return self.width_ms // 1000


RAW = Tier("raw", 0)
MINUTE = Tier("1m", 60_000)
HOUR = Tier("1h", 3_600_000)
TIERS: dict[str, Tier] = {t.name: t for t in (RAW, MINUTE, HOUR)}
ROLLUP_TIERS: tuple[Tier, ...] = (MINUTE, HOUR)  # each built from the one before it
FINER: dict[str, Tier] = {MINUTE.name: RAW, HOUR.name: MINUTE}


def floor_to(ms: int, width_ms: int) -> int:
    return ms - ms % width_ms if width_ms else ms


def ceil_to(ms: int, width_ms: int) -> int:
    return -floor_to(-ms, width_ms) if width_ms else ms


def host_id(conn: Connection, name: str) -> int | None:
    return conn.execute(select(hosts.c.id).where(hosts.c.name == name)).scalar()


def done_until(conn: Connection, host: int, tier: Tier) -> int | None:
    """End (epoch ms) of the last complete bucket rolled up for ``tier``; None before any."""
    return conn.execute(
        select(rollup_state.c.done_until).where(
            rollup_state.c.host_id == host, rollup_state.c.tier == tier.code
        )
    ).scalar()


def oldest(conn: Connection, host: int, tier: Tier) -> int | None:
    """Time of the oldest stored row of ``tier`` (raw: a sample row's or a block's)."""
    if tier is RAW:
        return oldest_raw(conn, host)
    query = select(func.min(rollups.c.bucket)).where(
        rollups.c.host_id == host, rollups.c.tier == tier.code
    )
    return conn.execute(query).scalar()


def next_time(conn: Connection, host: int, tier: Tier, at_or_after: int | None) -> int | None:
    """The time of the first row of ``tier`` at or after ``at_or_after`` (index lookups; raw:
    rows and blocks, ``storage.raw_reads``)."""
    if tier is RAW:
        return next_raw_time(conn, host, at_or_after)
    column = rollups.c.bucket
    where = [rollups.c.host_id == host, rollups.c.tier == tier.code]
    if at_or_after is not None:
        where.append(column >= at_or_after)
    return conn.execute(select(column).where(*where).order_by(column).limit(1)).scalar()


def rollup_query(host: int, tier: Tier, start_ms: int, end_ms: int) -> Any:
    c = rollups.c
    return (
        select(c.bucket, c.layout_id, c.n, c.vmin, c.vmean, c.vmax)
        .where(c.host_id == host, c.tier == tier.code, c.bucket >= start_ms, c.bucket < end_ms)
        .order_by(c.bucket)
    )


def names_of(names_by_layout: dict[int, list[str]], wanted: Sequence[str] | None) -> list[str]:
    if wanted is not None:
        return list(wanted)
    return sorted({n for names in names_by_layout.values() for n in names})


def rollup_rows_to_aggregates(
    conn: Connection,
    store: MetricStore,
    rows: Sequence[Any],
    wanted: Sequence[str] | None,
    tier: Tier,
) -> Aggregates:
    """Rollup rows (bucket, layout_id, n, vmin, vmean, vmax) as Aggregates of ``tier``."""
    if not rows:
        return Aggregates.empty(list(wanted or []), tier.width_ms)
    buckets, layout_ids, n, vmin, vmean, vmax = transpose(rows, 6)
    layout_of_row = np.array(layout_ids, dtype=np.int64)
    names_by_layout = store.layout_names(conn, set(layout_ids))
    names = names_of(names_by_layout, wanted)

    def matrix(blobs: Sequence[bytes], fill: float) -> np.ndarray:
        return unpack_matrix(blobs, layout_of_row, names_by_layout, names, fill)

    return Aggregates(
        names,
        np.array(buckets, dtype=np.int64),
        matrix(n, 0.0),
        matrix(vmin, np.nan),
        matrix(vmean, np.nan),
        matrix(vmax, np.nan),
        tier.width_ms,
    )


def read_stored(
    conn: Connection,
    store: MetricStore,
    host: int,
    tier: Tier,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str] | None,
) -> Aggregates:
    """The stored rows of ``tier`` in ``[start_ms, end_ms)`` (no tail filled in)."""
    if tier is RAW:
        return read_raw(conn, store, host, start_ms, end_ms, wanted)
    rows = conn.execute(rollup_query(host, tier, start_ms, end_ms)).all()
    return rollup_rows_to_aggregates(conn, store, rows, wanted, tier)


def stream_stored(
    conn: Connection,
    store: MetricStore,
    host: int,
    tier: Tier,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str] | None,
    chunk_rows: int,
) -> Iterator[Aggregates]:
    """Like ``read_stored``, ``chunk_rows`` rows at a time from a server-side cursor."""
    if tier is RAW:
        yield from stream_raw(conn, store, host, start_ms, end_ms, wanted, chunk_rows)
        return
    if wanted is not None and conn.dialect.name == "postgresql":
        query, known = projected_rollup_query(conn, host, tier.code, start_ms, end_ms, wanted)
        for rows in stream_rows(conn, query, chunk_rows):
            yield projected_rows_to_aggregates(conn, store, rows, wanted, known, tier.width_ms)
        return
    for rows in stream_rows(conn, rollup_query(host, tier, start_ms, end_ms), chunk_rows):
        yield rollup_rows_to_aggregates(conn, store, rows, wanted, tier)
