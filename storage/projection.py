"""Reading only the wanted series' bytes of packed samples, cut out by PostgreSQL.

A sample row packs every series of its layout (20 or more float64s); a chart or an export of two
series needs 16 of those bytes. PostgreSQL sends bytea as hex text that the client decodes, so
for long raw reads the transfer dominates: cutting the wanted values out on the server
(``substr`` per layout, concatenated in the wanted order) halves the time of a 7-day export of
two series (docs/benchmarks.md, "History"). SQLite reads its file in-process and gains nothing
(its ``||`` would also turn blobs into text), so it reads whole rows.

Rows whose layout the query did not know about (created after the layouts were read) come
back whole and are decoded by layout as usual.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import reduce
from typing import Any

import numpy as np
from sqlalchemy import Connection, LargeBinary, case, func, literal, select

from storage.aggregates import Aggregates, transpose, unpack_matrix
from storage.schema import layouts, rollups, samples
from storage.store import FLOAT, MetricStore

NAN = np.array([np.nan], dtype=FLOAT).tobytes()
ZERO = np.array([0.0], dtype=FLOAT).tobytes()
Layouts = dict[int, list[str]]


def stored_layouts(conn: Connection) -> Layouts:
    """Every layout stored now, by id."""
    rows = conn.execute(select(layouts.c.id, layouts.c.names))
    return {row.id: json.loads(row.names) for row in rows}


def projected_raw_query(
    conn: Connection,
    host: int,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str],
    known: Layouts | None = None,
) -> tuple[Any, set[int]]:
    """A query of (ts, layout_id, data) where ``data`` holds just ``wanted`` in that order, for
    the ``known`` layouts (default: every layout stored now); and the set of their ids."""
    known = stored_layouts(conn) if known is None else known
    query = (
        select(samples.c.ts, samples.c.layout_id, _projected(samples.c.data, known, wanted, NAN))
        .where(samples.c.host_id == host, samples.c.ts >= start_ms, samples.c.ts < end_ms)
        .order_by(samples.c.ts)
    )
    return query, set(known)


def projected_rollup_query(
    conn: Connection,
    host: int,
    tier_code: int,
    start_ms: int,
    end_ms: int,
    wanted: Sequence[str],
    known: Layouts | None = None,
) -> tuple[Any, set[int]]:
    """Like ``projected_raw_query`` for rollup rows: (bucket, layout_id, n, vmin, vmean, vmax)."""
    known = stored_layouts(conn) if known is None else known
    c = rollups.c
    query = (
        select(
            c.bucket,
            c.layout_id,
            _projected(c.n, known, wanted, ZERO),
            *(_projected(column, known, wanted, NAN) for column in (c.vmin, c.vmean, c.vmax)),
        )
        .where(c.host_id == host, c.tier == tier_code, c.bucket >= start_ms, c.bucket < end_ms)
        .order_by(c.bucket)
    )
    return query, set(known)


def _projected(column: Any, known: Layouts, wanted: Sequence[str], fill: bytes) -> Any:
    """``CASE layout_id WHEN <known> THEN <its cut> ... ELSE <the whole blob> END``."""
    branches = [
        (column.table.c.layout_id == layout_id, _cut(column, names, wanted, fill))
        for layout_id, names in known.items()
    ]
    return case(*branches, else_=column) if branches else column


def _cut(column: Any, names: Sequence[str], wanted: Sequence[str], fill: bytes) -> Any:
    """SQL for the bytes of ``wanted`` out of ``column`` packed in layout ``names``: runs of
    adjacent values in one ``substr``, a series the layout lacks as the literal ``fill``."""
    index = {name: i for i, name in enumerate(names)}
    runs: list[list[int | None]] = []
    for name in wanted:
        position = index.get(name)
        last = runs[-1] if runs else None
        if last is not None and position is not None and last[-1] == position - 1:
            last.append(position)
        else:
            runs.append([position])
    parts = [
        literal(fill, LargeBinary)
        if run[0] is None
        else func.substr(column, 1 + 8 * run[0], 8 * len(run))
        for run in runs
    ]
    return reduce(lambda left, right: left.op("||")(right), parts)


def projected_rows_to_aggregates(
    conn: Connection,
    store: MetricStore,
    rows: Sequence[Sequence[Any]],
    wanted: Sequence[str],
    known: set[int],
    width_ms: int = 0,
) -> Aggregates:
    """Rows of ``projected_raw_query`` (``width_ms`` 0) or of ``projected_rollup_query`` as
    Aggregates over ``wanted``."""
    columns = transpose(rows, len(rows[0]) if rows else 3)
    ts = np.array(columns[0], dtype=np.int64)
    layout_of_row = np.array(columns[1], dtype=np.int64)
    cut = np.isin(layout_of_row, list(known))
    whole = np.flatnonzero(~cut)
    names_by_layout = store.layout_names(conn, set(layout_of_row[whole].tolist()))

    def matrix(blobs: Sequence[bytes], fill: float) -> np.ndarray:
        if cut.all():
            return np.frombuffer(b"".join(blobs), dtype=FLOAT).reshape(len(blobs), len(wanted))
        out = np.full((len(blobs), len(wanted)), fill)
        positions = np.flatnonzero(cut)
        if positions.size:
            joined = b"".join([blobs[p] for p in positions.tolist()])
            out[positions] = np.frombuffer(joined, dtype=FLOAT).reshape(positions.size, -1)
        out[whole] = unpack_matrix(
            [blobs[p] for p in whole.tolist()], layout_of_row[whole], names_by_layout, wanted, fill
        )
        return out

    if width_ms == 0:
        return Aggregates.from_values(wanted, ts, matrix(columns[2], np.nan))
    return Aggregates(
        list(wanted),
        ts,
        matrix(columns[2], 0.0),
        matrix(columns[3], np.nan),
        matrix(columns[4], np.nan),
        matrix(columns[5], np.nan),
        width_ms,
    )
