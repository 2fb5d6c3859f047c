"""CSV export, streamed: chunks of text from a server-side cursor, so memory stays flat.

The header is written first and never changes: its columns come from the request's metrics,
not from the rows as they stream. Times are ISO-8601 UTC (``2025-11-26T10:00:00.000Z``) or
epoch seconds; values are written exactly (``repr`` of the float64), missing ones empty. Text
cells (host and series names, process names, users, command lines) that a spreadsheet would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) get a leading ``'``.

Formats, for ``raw`` resolution: wide ``ts,<metric>...``; long ``ts,host,series,value`` (one
line per stored value). For ``1m``/``1h``: wide ``ts,<metric>:min,<metric>:mean,<metric>:max,
<metric>:count...``; long ``ts,host,series,min,mean,max,count``; one line per bucket that
overlaps the range, ``ts`` being its start (buckets not rolled up yet are computed on the fly).
Process snapshots (``kind=processes``): ``ts,host,list,rank,pid,name,user,cpu,mem,rss,threads,
status,cmdline``, one line per process of each stored top-CPU and top-memory list.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from storage.aggregates import Aggregates
from storage.history import HistoryReader
from storage.params import ExportRequest
from storage.snapshot_reads import snapshot_documents
from storage.store import MetricStore, to_ms
from storage.tiers import TIERS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STAT_COLUMNS = ("min", "mean", "max", "count")
PROCESS_FIELDS = ("pid", "name", "user", "cpu", "mem", "rss", "threads", "status", "cmdline")
CHUNK_ROWS = 10_000
Progress = Callable[[float, int], None]  # (fraction of the range done, rows written)


def text_cell(value: str) -> str:
    """A text value as a CSV cell: formula-neutralised, then quoted when needed."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if any(c in value for c in ',"\n\r'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def number_cells(column: np.ndarray) -> list[str]:
    """Floats as exact decimal text (``repr``), NaN as an empty cell."""
    values = column.tolist()
    if np.isnan(column).any():
        return ["" if v != v else repr(v) for v in values]
    return list(map(repr, values))


def count_cells(column: np.ndarray) -> list[str]:
    return [str(v) for v in column.astype(np.int64).tolist()]


def time_cells(ts_ms: np.ndarray, style: str) -> list[str]:
    """Epoch milliseconds as ISO-8601 UTC or as epoch seconds with milliseconds."""
    if style == "epoch":
        return [f"{v // 1000}.{v % 1000:03d}" for v in ts_ms.tolist()]
    text = np.datetime_as_string(ts_ms.astype("datetime64[ms]"), unit="ms")
    return [t + "Z" for t in text.tolist()]


def header(request: ExportRequest) -> list[str]:
    """The fixed header of ``request``'s CSV."""
    if request.kind == "processes":
        return ["ts", "host", "list", "rank", *PROCESS_FIELDS]
    aggregated = request.resolution != "raw"
    if request.format == "long":
        return ["ts", "host", "series", *(STAT_COLUMNS if aggregated else ("value",))]
    if not aggregated:
        return ["ts", *request.metrics]
    return ["ts", *(f"{m}:{stat}" for m in request.metrics for stat in STAT_COLUMNS)]


def export_csv(
    store: MetricStore,
    request: ExportRequest,
    *,
    chunk_rows: int = CHUNK_ROWS,
    on_progress: Progress | None = None,
) -> Iterator[str]:
    """The CSV text of ``request``, in chunks (the header line first)."""
    yield ",".join(text_cell(c) for c in header(request)) + "\n"
    if request.kind == "processes":
        yield from _process_chunks(store, request, chunk_rows, on_progress)
        return
    reader = HistoryReader(store)
    tier = TIERS[request.resolution]
    start_ms, end_ms = to_ms(request.start), to_ms(request.end) + 1
    rows = 0
    store.ensure_schema()
    with store.engine.connect() as conn:
        host = reader.host_id(conn, request.host)
        chunks = reader.iter_tier(
            conn, host, tier, start_ms, end_ms, list(request.metrics), chunk_rows
        )
        for chunk in chunks:
            if tier.width_ms == 0:
                text = _raw_lines(chunk, request)
            else:
                text = _aggregate_lines(chunk, request)
            rows += len(chunk)
            if text:
                yield text
            if on_progress is not None and len(chunk):
                on_progress(_fraction(int(chunk.ts[-1]), start_ms, end_ms), rows)
    if on_progress is not None:
        on_progress(1.0, rows)


def _fraction(ts_ms: int, start_ms: int, end_ms: int) -> float:
    return min(1.0, max(0.0, (ts_ms - start_ms) / max(1, end_ms - start_ms)))


def _join(columns: Sequence[list[str]]) -> str:
    if not columns or not columns[0]:
        return ""
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _raw_lines(chunk: Aggregates, request: ExportRequest) -> str:
    times = time_cells(chunk.ts, request.time)
    if request.format == "wide":
        return _join([times, *(number_cells(chunk.mean[:, i]) for i in range(len(chunk.names)))])
    rows, columns = np.nonzero(chunk.count > 0)  # time order, then series order
    host, names = text_cell(request.host), [text_cell(n) for n in chunk.names]
    values = number_cells(chunk.mean[rows, columns])
    lines = [
        f"{times[r]},{host},{names[c]},{v}"
        for r, c, v in zip(rows.tolist(), columns.tolist(), values, strict=True)
    ]
    return "\n".join(lines) + "\n" if lines else ""


def _aggregate_lines(chunk: Aggregates, request: ExportRequest) -> str:
    times = time_cells(chunk.ts, request.time)
    if request.format == "wide":
        columns = [times]
        for i in range(len(chunk.names)):
            columns += [
                number_cells(chunk.min[:, i]),
                number_cells(chunk.mean[:, i]),
                number_cells(chunk.max[:, i]),
                count_cells(chunk.count[:, i]),
            ]
        return _join(columns)
    rows, columns_ = np.nonzero(chunk.count > 0)
    host, names = text_cell(request.host), [text_cell(n) for n in chunk.names]
    stats = zip(
        number_cells(chunk.min[rows, columns_]),
        number_cells(chunk.mean[rows, columns_]),
        number_cells(chunk.max[rows, columns_]),
        count_cells(chunk.count[rows, columns_]),
        strict=True,
    )
    lines = [
        f"{times[r]},{host},{names[c]},{lo},{mean},{hi},{n}"
        for r, c, (lo, mean, hi, n) in zip(rows.tolist(), columns_.tolist(), stats, strict=True)
    ]
    return "\n".join(lines) + "\n" if lines else ""


def _process_chunks(
    store: MetricStore, request: ExportRequest, chunk_rows: int, on_progress: Progress | None
) -> Iterator[str]:
    start_ms, end_ms = to_ms(request.start), to_ms(request.end)
    reader = HistoryReader(store)
    host_cell = text_cell(request.host)
    rows = 0
    store.ensure_schema()
    with store.engine.connect() as conn:
        host = reader.host_id(conn, request.host)
        snapshots = snapshot_documents(conn, host, start_ms, end_ms)
        while partition := list(itertools.islice(snapshots, chunk_rows)):
            times = time_cells(np.array([r[0] for r in partition], dtype=np.int64), request.time)
            lines: list[str] = []
            for when, (_, document) in zip(times, partition, strict=True):
                snapshot = json.loads(document)
                for list_name in ("top_cpu", "top_mem"):
                    for rank, proc in enumerate(snapshot.get(list_name) or [], start=1):
                        cells = [_process_cell(proc.get(f)) for f in PROCESS_FIELDS]
                        lines.append(",".join([when, host_cell, list_name, str(rank), *cells]))
            rows += len(partition)
            if lines:
                yield "\n".join(lines) + "\n"
            if on_progress is not None:
                on_progress(_fraction(partition[-1][0], start_ms, end_ms), rows)
    if on_progress is not None:
        on_progress(1.0, rows)


def _process_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return text_cell(str(value))
