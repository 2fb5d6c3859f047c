"""The three resolutions history is kept at, and reading each one back as Aggregates.

``raw`` is the samples table (one row per tick); ``1m`` and ``1h`` are rollup rows. Every
reader takes a half-open range ``[start_ms, end_ms)`` of epoch milliseconds and a host id, and
uses the primary-key index (host, [tier,] time) for a single range scan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from storage.aggregates import Aggregates, transpose, unpack_matrix
from storage.projection import (
    projected_raw_query,
    projected_rollup_query,
    projected_rows_to_aggregates,
)
from storage.schema import hosts, rollup_state, rollups, samples
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
    """Time of the oldest stored row of ``tier`` (an index lookup)."""
    if tier is RAW:
        query = select(func.min(samples.c.ts)).where(samples.c.host_id == host)
    else:
        query = select(func.min(rollups.c.bucket)).where(
            rollups.c.host_id == host, rollups.c.tier == tier.code
        )
    return conn.execute(query).scalar()


def next_time(conn: Connection, host: int, tier: Tier, at_or_after: int | None) -> int | None:
    """The time of the first row of ``tier`` at or after ``at_or_after`` (an index lookup)."""
    if tier is RAW:
        column, where = samples.c.ts, [samples.c.host_id == host]
    else:
        column = rollups.c.bucket
        where = [rollups.c.host_id == host, rollups.c.tier == tier.code]
    if at_or_after is not None:
        where.append(column >= at_or_after)
    return conn.execute(select(column).where(*where).order_by(column).limit(1)).scalar()


def raw_query(host: int, start_ms: int, end_ms: int) -> Any:
    return (
        select(samples.c.ts, samples.c.layout_id, samples.c.data)
        .where(samples.c.host_id == host, samples.c.ts >= start_ms, samples.c.ts < end_ms)
        .order_by(samples.c.ts)
    )


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


def raw_rows_to_aggregates(
    conn: Connection, store: MetricStore, rows: Sequence[Any], wanted: Sequence[str] | None
) -> Aggregates:
    """Sample rows (ts, layout_id, data) as raw Aggregates over ``wanted`` (None: all)."""
    if not rows:
        return Aggregates.empty(list(wanted or []))
    ts, layout_ids, blobs = transpose(rows, 3)
    layout_of_row = np.array(layout_ids, dtype=np.int64)
    names_by_layout = store.layout_names(conn, set(layout_ids))
    names = names_of(names_by_layout, wanted)
    values = unpack_matrix(blobs, layout_of_row, names_by_layout, names, np.nan)
    return Aggregates.from_values(names, np.array(ts, dtype=np.int64), values)


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
        rows = conn.execute(raw_query(host, start_ms, end_ms)).all()
        return raw_rows_to_aggregates(conn, store, rows, wanted)
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
    if wanted is not None and conn.dialect.name == "postgresql":
        if tier is RAW:
            query, known = projected_raw_query(conn, host, start_ms, end_ms, wanted)
        else:
            query, known = projected_rollup_query(conn, host, tier.code, start_ms, end_ms, wanted)
        for rows in stream_rows(conn, query, chunk_rows):
            yield projected_rows_to_aggregates(conn, store, rows, wanted, known, tier.width_ms)
        return
    query = (
        raw_query(host, start_ms, end_ms)
        if tier is RAW
        else rollup_query(host, tier, start_ms, end_ms)
    )
    for rows in stream_rows(conn, query, chunk_rows):
        if tier is RAW:
            yield raw_rows_to_aggregates(conn, store, rows, wanted)
        else:
            yield rollup_rows_to_aggregates(conn, store, rows, wanted, tier)


def stream_rows(conn: Connection, query: Any, chunk_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    """Runs ``query`` (compiled with bound parameters) on a DB-API cursor of ``conn`` and yields
    its rows as plain tuples, ``chunk_rows`` at a time.

    On PostgreSQL the cursor is a named (server-side) cursor inside the connection's
    transaction, so the client holds one chunk at a time however long the range; SQLite steps
    through its result lazily anyway. Plain tuples instead of SQLAlchemy Rows halve the cost of
    a long read (measured in bench/history.py).
    """
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        bound: Any = tuple(params[name] for name in compiled.positiontup or ())
    else:
        bound = params
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    if conn.dialect.name == "postgresql":
        cursor = dbapi_connection.cursor(name=f"monitor_stream_{uuid.uuid4().hex}")
        cursor.itersize = chunk_rows
    else:
        cursor = dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), bound)
        while rows := cursor.fetchmany(chunk_rows):
            yield rows
    finally:
        cursor.close()
