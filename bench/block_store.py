"""Benchmark: the store's old layout (a row a sample) against history blocks, on both databases.

Run: ``.venv/bin/python -m bench.block_store --source-url sqlite:///path/monitor.db [--days 30]``

The values are a real host's: the raw samples that a sampler stored in ``--source-url`` (for
example ``python -m app agent`` left running for an hour with ``MONITOR_COMPACT_BLOCKS=0``),
repeated one after the other with new times until they fill a day at 1 Hz. On SQLite (a file)
and PostgreSQL (a schema), in one run:

- **rows** (the old layout, what every database held before issue 15): the day is written as
  the writer writes it, five samples a transaction (the first hour timed, the rest in larger
  transactions, untimed); bytes a point of the samples table; a day read back with
  ``read_frame``, two series and every series;
- **blocks**: the same database rolled up and compacted by ``BlockCompactor`` (the cost per
  sample timed), bytes a point of the blocks table (the rows left, the newest hour or so, apart,
  after ``VACUUM`` gives back what compaction freed), the same reads; then ``--days`` days of
  blocks (the day's blocks re-encoded at later times) and a read of two series over them all.

Bytes are the tables' with their indexes (PostgreSQL relation sizes, SQLite pages).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from sqlalchemy import insert, select

from bench.blocks import stored_block_input
from bench.common import database_bytes, machine, pg_schema, sqlite_url, table
from storage.blocks import decode_block, encode_block
from storage.compaction import BlockCompactor
from storage.engine import make_engine
from storage.partitions import day_of, ensure_day
from storage.rollups import RollupJob
from storage.schema import blocks, samples
from storage.store import FLOAT, MetricStore
from storage.usage import storage_bytes

DAY = 86_400
T0 = 1_764_000_000  # a whole day, epoch seconds
HOST = "bench-host"
TIMED_BATCHES = 720  # an hour of the writer's five-sample transactions
SERIES = ["cpu.total", "memory.percent"]


def a_day_of(values: np.ndarray) -> np.ndarray:
    """The real rows repeated to fill a day at 1 Hz (samples × series)."""
    return values[np.arange(DAY) % values.shape[0]]


def write_rows(store: MetricStore, names: list[str], day: np.ndarray) -> float:
    """Writes the day as sample rows of one layout; seconds a sample of the timed hour."""
    with store.engine.begin() as conn:
        host = store._ensure_host(conn, HOST)  # the bench writes its rows itself
        layout = store.ensure_layout(conn, names)
    rows = [
        {"host_id": host, "ts": (T0 + i) * 1000, "layout_id": layout, "data": day[i].tobytes()}
        for i in range(DAY)
    ]
    started = time.perf_counter()
    for at in range(0, TIMED_BATCHES * 5, 5):
        with store.engine.begin() as conn:
            conn.execute(insert(samples), rows[at : at + 5])
    timed = time.perf_counter() - started
    for at in range(TIMED_BATCHES * 5, DAY, 5000):
        with store.engine.begin() as conn:
            conn.execute(insert(samples), rows[at : at + 5000])
    return timed / (TIMED_BATCHES * 5)


def read_ms(store: MetricStore, days: int, series: list[str] | None) -> float:
    """Best of three reads of ``days`` days of ``series`` (None: all) into a DataFrame, ms."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        store.read_frame(HOST, T0, T0 + days * DAY - 1, series)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def settled_bytes(store: MetricStore) -> tuple[int, int]:
    """Bytes of the blocks (every partition) and of the rows left once the space compaction
    freed is given back (``VACUUM``: what a steady state reuses), with their indexes."""
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM FULL monitor_samples" if store.dialect == "postgresql"
                             else "VACUUM")  # fmt: skip
    sizes = storage_bytes(store.engine)
    return sizes[blocks.name], sizes[samples.name]


def more_days(store: MetricStore, days: int) -> None:
    """Copies the first day's blocks to the next ``days - 1`` days, re-encoded at their times."""
    with store.engine.connect() as conn:
        held = conn.execute(select(blocks).order_by(blocks.c.start_ts)).mappings().all()
    for day in range(1, days):
        shift = day * DAY * 1000
        copies = []
        for block in held:
            decoded = decode_block(bytes(block["data"]))
            data = encode_block(decoded.ts + shift, decoded.values, decoded.missing)
            copies.append(
                dict(block, start_ts=block["start_ts"] + shift, end_ts=block["end_ts"] + shift)
                | {"data": data}
            )
        if store.dialect == "postgresql":  # the day's partition, as compaction makes it
            ensure_day(store.engine, day_of(copies[0]["start_ts"]))
        with store.engine.begin() as conn:
            conn.execute(insert(blocks), copies)


def measure(url: str, names: list[str], values: np.ndarray, days: int) -> list[list[str]]:
    """The table rows of one database: rows, then blocks."""
    store = MetricStore(make_engine(url))
    store.create_schema()
    day = a_day_of(values)
    points = DAY * len(names)
    write_s = write_rows(store, names, day)
    row_bytes = database_bytes(url, [samples.name])
    row_reads = [read_ms(store, 1, SERIES), read_ms(store, 1, None)]
    started = time.perf_counter()
    RollupJob(store).run(T0 + DAY + 3600)
    rollup_s = time.perf_counter() - started
    compactor = BlockCompactor(store, max_blocks=10_000)
    started = time.perf_counter()
    written = compactor.run(T0 + DAY + 3600)
    compact_s = time.perf_counter() - started
    held, left = settled_bytes(store)
    block_reads = [read_ms(store, 1, SERIES), read_ms(store, 1, None)]
    more_days(store, days)
    long_read = read_ms(store, days, SERIES)
    store.engine.dispose()
    kind = url.split(":", 1)[0].split("+")[0]
    return [
        [kind, "rows", f"{row_bytes / points:.2f}", f"{write_s * 1e3:.3f}",
         f"{row_reads[0]:.0f}", f"{row_reads[1]:.0f}", "-"],
        [kind, f"blocks ({written} a day; {left / points:.2f} B a point of rows left)",
         f"{held / points:.2f}",
         f"{write_s * 1e3:.3f} + {compact_s / DAY * 1e3:.3f}",
         f"{block_reads[0]:.0f}", f"{block_reads[1]:.0f}", f"{long_read:.0f}"],
        [kind, "(the day's rollups, once)", "-", f"{rollup_s / DAY * 1e3:.3f}", "-", "-", "-"],
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-url", required=True, help="a database a real sampler filled")
    parser.add_argument("--host", default=None, help="the source host (default: the first)")
    parser.add_argument("--days", type=int, default=30, help="days of blocks for the long read")
    args = parser.parse_args()
    source = MetricStore(make_engine(args.source_url))
    host = args.host or source.host_names()[0]
    names, _, values, missing = stored_block_input(args.source_url, host)
    whole = ~missing.any(axis=0)  # the series every sample has: one layout
    names = [name for name, keep in zip(names, whole, strict=True) if keep]
    values = np.ascontiguousarray(values[:, whole], dtype=FLOAT)
    print(f"machine: {machine()}")
    print(f"{values.shape[0]} real samples of {host}, {len(names)} series, repeated to a day\n")
    out: list[list[str]] = []
    with TemporaryDirectory() as folder:
        for run in (lambda: sqlite_url(Path(folder), "blocks-bench"), None):
            out += run_one(run, names, values, args.days)
    headers = ["database", "layout", "B a point", "write ms a sample", "read a day, 2 series ms",
               "read a day, all ms", f"read {args.days} days, 2 series ms"]  # fmt: skip
    print(table(headers, out))


def run_one(
    sqlite: Callable[[], str] | None, names: list[str], values: np.ndarray, days: int
) -> list[list[str]]:
    if sqlite is not None:
        return measure(sqlite(), names, values, days)
    with pg_schema() as url:
        return measure(url, names, values, days)


if __name__ == "__main__":
    main()
