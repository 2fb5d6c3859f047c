"""Raw history: the samples table's rows and the history blocks, read as one time series.

Older raw samples may live in ``monitor_blocks`` (``storage.compaction``) instead of one row
each in ``monitor_samples``. Every raw read goes through here, so the history views, rollups,
export, analysis, alert trials and ``MetricStore.read_frame`` see the union of both for a time
range, in time order, the same values bit for bit whichever holds them. A time held by both (a
late sample stamped inside a compacted range) reads as the block's sample: the stored first
wins, as in ``storage.collisions``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, func, select

from storage.aggregates import Aggregates, concat, transpose, unpack_matrix
from storage.blocks import decode_block
from storage.cursors import stream_rows
from storage.projection import projected_raw_query, projected_rows_to_aggregates
from storage.schema import blocks, samples

if TYPE_CHECKING:
    from storage.store import MetricStore

BLOCKS_PER_FETCH = 16  # blocks fetched per round trip while streaming


def row_query(host: int, start_ms: int, end_ms: int) -> Any:
    """(ts, layout_id, data) of ``host``'s sample rows in ``[start_ms, end_ms)``, by time."""
    return (
        select(samples.c.ts, samples.c.layout_id, samples.c.data)
        .where(samples.c.host_id == host, samples.c.ts >= start_ms, samples.c.ts < end_ms)
        .order_by(samples.c.ts)
    )


def rows_to_aggregates(
    conn: Connection, store: MetricStore, rows: Sequence[Any], wanted: Sequence[str] | None
) -> Aggregates:
    """Sample rows (ts, layout_id, data) as raw Aggregates over ``wanted`` (None: all)."""
    if not rows:
        return Aggregates.empty(list(wanted or []))
    ts, layout_ids, blobs = transpose(rows, 3)
    layout_of_row = np.array(layout_ids, dtype=np.int64)
    names_by_layout = store.layout_names(conn, set(layout_ids))
    names = _names(names_by_layout.values(), wanted)
    values = unpack_matrix(blobs, layout_of_row, names_by_layout, names, np.nan)
    return Aggregates.from_values(names, np.array(ts, dtype=np.int64), values)


def stream_raw(
    conn: Connection,
    store: MetricStore,
    host: int,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str] | None,
    chunk_rows: int,
) -> Iterator[Aggregates]:
    """Time-ordered raw chunks of ``host`` in ``[start_ms, end_ms)``: blocks and rows merged.

    Over ``wanted`` (None: each chunk holds the series of its own layouts, sorted)."""
    from_blocks = _block_chunks(conn, store, host, start_ms, end_ms, wanted)
    from_rows = _row_chunks(conn, store, host, start_ms, end_ms, wanted, chunk_rows)
    yield from merge(from_blocks, from_rows)


def read_raw(
    conn: Connection,
    store: MetricStore,
    host: int,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str] | None,
) -> Aggregates:
    """Every raw sample of ``host`` in ``[start_ms, end_ms)`` as one Aggregates."""
    parts = list(stream_raw(conn, store, host, start_ms, end_ms, wanted, 20_000))
    names = list(wanted) if wanted is not None else _names((p.names for p in parts), None)
    return concat(parts, names, 0)


def oldest_raw(conn: Connection, host: int) -> int | None:
    """Time of ``host``'s oldest raw sample, in a row or a block (two index lookups)."""
    row = conn.execute(select(func.min(samples.c.ts)).where(samples.c.host_id == host)).scalar()
    block = conn.execute(
        select(func.min(blocks.c.start_ts)).where(blocks.c.host_id == host)
    ).scalar()
    return _least(row, block)


def next_raw_time(conn: Connection, host: int, at_or_after: int | None) -> int | None:
    """The time of ``host``'s first raw sample at or after ``at_or_after`` (None: the first)."""
    where = [samples.c.host_id == host]
    if at_or_after is not None:
        where.append(samples.c.ts >= at_or_after)
    row = conn.execute(select(samples.c.ts).where(*where).order_by(samples.c.ts).limit(1)).scalar()
    if at_or_after is None:
        return _least(row, oldest_raw(conn, host))
    straddling = conn.execute(
        select(blocks.c.end_ts, blocks.c.data)
        .where(blocks.c.host_id == host, blocks.c.start_ts <= at_or_after)
        .order_by(blocks.c.start_ts.desc())
        .limit(1)
    ).first()
    if straddling is not None and straddling.end_ts >= at_or_after:
        stamps = decode_block(straddling.data, []).ts
        return _least(row, int(stamps[np.searchsorted(stamps, at_or_after)]))
    block = conn.execute(
        select(func.min(blocks.c.start_ts)).where(
            blocks.c.host_id == host, blocks.c.start_ts >= at_or_after
        )
    ).scalar()
    return _least(row, block)


def raw_layout_ids(conn: Connection, host: int, since: int | None) -> set[int]:
    """Layouts of ``host``'s raw samples at or after ``since`` (None: all), rows and blocks."""
    rows = select(samples.c.layout_id).distinct().where(samples.c.host_id == host)
    held = select(blocks.c.layout_id).distinct().where(blocks.c.host_id == host)
    if since is not None:
        rows = rows.where(samples.c.ts >= since)
        held = held.where(blocks.c.end_ts >= since)
    return set(conn.execute(rows).scalars()) | set(conn.execute(held).scalars())


def merge(first: Iterator[Aggregates], second: Iterator[Aggregates]) -> Iterator[Aggregates]:
    """Two streams of time-ordered chunks as one time-ordered stream; a time in both keeps
    ``first``'s sample. Chunks pass through whole while the streams do not interleave."""
    a, b = _next(first), _next(second)
    while a is not None and b is not None:
        cut = min(int(a.ts[-1]), int(b.ts[-1]))
        take_a, take_b = a.ts <= cut, b.ts <= cut
        part_a = a if take_a.all() else a.rows(take_a)
        part_b = b if take_b.all() else b.rows(take_b)
        if len(part_b) and len(part_a):
            part_b = part_b.rows(~np.isin(part_b.ts, part_a.ts))
        if not len(part_b):
            yield part_a
        else:
            names = part_a.names if part_a.names == part_b.names else None
            names = names or _names((part_a.names, part_b.names), None)
            joined = concat([part_a, part_b], names, 0)
            yield joined.rows(np.argsort(joined.ts, kind="stable"))
        a = _rest(a, take_a, first)
        b = _rest(b, take_b, second)
    for head, rest in ((a, first), (b, second)):
        if head is not None:
            yield head
            yield from (chunk for chunk in rest if len(chunk))


def _rest(chunk: Aggregates, taken: np.ndarray, chunks: Iterator[Aggregates]) -> Aggregates | None:
    """What is left of ``chunk`` once its ``taken`` rows are out: the next chunk when all are,
    ``chunk`` itself (no copy) when none is."""
    if taken.all():
        return _next(chunks)
    return chunk.rows(~taken) if taken.any() else chunk


def _next(chunks: Iterator[Aggregates]) -> Aggregates | None:
    return next((chunk for chunk in chunks if len(chunk)), None)


def _row_chunks(
    conn: Connection,
    store: MetricStore,
    host: int,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str] | None,
    chunk_rows: int,
) -> Iterator[Aggregates]:
    """The sample rows, cut out by the server on PostgreSQL (``storage.projection``)."""
    if wanted is not None and conn.dialect.name == "postgresql":
        query, known = projected_raw_query(conn, host, start_ms, end_ms, wanted)
        for rows in stream_rows(conn, query, chunk_rows):
            yield projected_rows_to_aggregates(conn, store, rows, wanted, known, 0)
        return
    for rows in stream_rows(conn, row_query(host, start_ms, end_ms), chunk_rows):
        yield rows_to_aggregates(conn, store, rows, wanted)


def _block_chunks(
    conn: Connection,
    store: MetricStore,
    host: int,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str] | None,
) -> Iterator[Aggregates]:
    """The samples of each block overlapping the range, a block per chunk."""
    # Blocks do not overlap: the one starting last at or before start_ms may reach into it.
    first = conn.execute(
        select(func.max(blocks.c.start_ts)).where(
            blocks.c.host_id == host, blocks.c.start_ts <= start_ms
        )
    ).scalar()
    c = blocks.c
    query = (
        select(c.layout_id, c.data)
        .where(
            c.host_id == host,
            c.start_ts >= (start_ms if first is None else first),
            c.start_ts < end_ms,
            c.end_ts >= start_ms,
        )
        .order_by(c.start_ts)
    )
    for rows in stream_rows(conn, query, BLOCKS_PER_FETCH):
        for layout_id, data in rows:
            yield _block_aggregates(conn, store, layout_id, data, wanted, start_ms, end_ms)


def _block_aggregates(
    conn: Connection,
    store: MetricStore,
    layout_id: int,
    data: bytes,
    wanted: Sequence[str] | None,
    start_ms: int,
    end_ms: int,
) -> Aggregates:
    """One block's samples in ``[start_ms, end_ms)`` over ``wanted``, decoding only those."""
    names = store.layout_names(conn, [layout_id])[layout_id]
    chosen = sorted(names) if wanted is None else list(wanted)
    index = {name: i for i, name in enumerate(names)}
    present = [(out, index[name]) for out, name in enumerate(chosen) if name in index]
    block = decode_block(bytes(data), [source for _, source in present])
    if len(present) == len(chosen):  # every series asked for is in the block, in that order
        values = block.values
    else:
        values = np.full((block.ts.size, len(chosen)), np.nan)
        for column, (out, _) in enumerate(present):
            values[:, out] = block.values[:, column]
    result = Aggregates.from_values(chosen, block.ts, values)
    keep = (block.ts >= start_ms) & (block.ts < end_ms)
    return result if keep.all() else result.rows(keep)


def _names(groups: Any, wanted: Sequence[str] | None) -> list[str]:
    if wanted is not None:
        return list(wanted)
    return sorted({name for names in groups for name in names})


def _least(*times: int | None) -> int | None:
    found = [t for t in times if t is not None]
    return min(found) if found else None
