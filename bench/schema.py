"""Benchmark: the storage schema, packed (chosen) against one row per value (the alternative).

Run: ``.venv/bin/python -m bench.schema [--hours 24]``

Both hold the same synthetic day of 1 Hz samples with the series of a real sample of this
host. For each schema and database: bytes per sample, the time to write it, and the time to read
the whole range back into a pandas DataFrame, for one series and for every series.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from bench.common import database_bytes, machine, pg_schema, sqlite_url, table
from bench.sampler import real_samples
from storage.engine import make_engine
from storage.schema import samples
from storage.series import flatten
from storage.store import MetricStore

long_metadata = MetaData()
long_series = Table(
    "long_series", long_metadata,
    Column("id", Integer, primary_key=True), Column("name", String(255), unique=True),
)  # fmt: skip
long_points = Table(
    "long_points", long_metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("series_id", Integer, primary_key=True, autoincrement=False),
    Column("ts", BigInteger, primary_key=True, autoincrement=False),
    Column("value", Float, nullable=False),
    sqlite_with_rowid=False,
)  # fmt: skip


def synthetic_day(template: dict[str, float], count: int, start: int) -> np.ndarray:
    """``count`` rows of values around the template's, as a (count, series) float array."""
    base = np.array(list(template.values()))
    noise = np.random.default_rng(1).normal(1.0, 0.05, size=(count, base.size))
    return np.round(base * noise, 1)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def packed(url: str, names: list[str], values: np.ndarray, start: int) -> dict[str, float]:
    store = MetricStore(make_engine(url), process_snapshot_every=10**9)
    store.create_schema()
    empty = database_bytes(url, [samples.name])

    def write() -> None:
        for i in range(0, len(values), 3600):
            store.write_batch(
                [
                    {
                        "host": "bench",
                        "ts": float(start + i + j),
                        **{"x": dict(zip(names, row, strict=True))},
                    }
                    for j, row in enumerate(values[i : i + 3600])
                ]
            )

    write_s, _ = timed(write)
    size = database_bytes(url, [samples.name]) - empty
    end = start + len(values)
    one_s, one = timed(lambda: store.read_frame("bench", start, end, [f"x.{names[0]}"]))
    all_s, frame = timed(lambda: store.read_frame("bench", start, end))
    assert len(one) == len(values) and frame.shape == values.shape, frame.shape
    store.engine.dispose()
    return {"bytes": size / len(values), "write": write_s, "one": one_s, "all": all_s}


def long(url: str, names: list[str], values: np.ndarray, start: int) -> dict[str, float]:
    engine = make_engine(url)
    long_metadata.create_all(engine)
    empty = database_bytes(url, [long_points.name])
    with engine.begin() as conn:
        conn.execute(insert(long_series), [{"id": i, "name": n} for i, n in enumerate(names)])

    def write() -> None:
        for i in range(0, len(values), 3600):
            chunk = values[i : i + 3600]
            rows = [
                {"host_id": 1, "series_id": s, "ts": (start + i + j) * 1000, "value": float(v)}
                for j, row in enumerate(chunk)
                for s, v in enumerate(row)
            ]
            with engine.begin() as conn:
                conn.execute(insert(long_points), rows)

    write_s, _ = timed(write)
    size = database_bytes(url, [long_points.name]) - empty
    end_ms = (start + len(values)) * 1000

    def read(series_ids: list[int] | None) -> pd.DataFrame:
        query = select(long_points.c.ts, long_points.c.series_id, long_points.c.value).where(
            long_points.c.host_id == 1, long_points.c.ts.between(start * 1000, end_ms)
        )
        if series_ids is not None:
            query = query.where(long_points.c.series_id.in_(series_ids))
        with engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).all(), columns=["ts", "series_id", "value"])
        wide = frame.pivot(index="ts", columns="series_id", values="value")
        wide.index = pd.to_datetime(wide.index, unit="ms", utc=True)
        return wide

    one_s, one = timed(lambda: read([0]))
    all_s, frame = timed(lambda: read(None))
    assert len(one) == len(values) and frame.shape == values.shape, frame.shape
    engine.dispose()
    return {"bytes": size / len(values), "write": write_s, "one": one_s, "all": all_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24)
    args = parser.parse_args()
    template = flatten(real_samples(3)[-1])
    names = sorted(template)
    count = int(args.hours * 3600)
    start = 1_700_000_000
    values = synthetic_day({n: template[n] for n in names}, count, start)
    print(f"machine: {machine()}")
    print(f"{count} samples ({args.hours:g} h at 1 Hz), {len(names)} series each\n")
    rows = []
    with TemporaryDirectory() as folder:
        for name, fn in (("packed", packed), ("one row per value", long)):
            result = fn(sqlite_url(Path(folder), f"{name[:4]}.db"), names, values, start)
            rows.append(["SQLite", name, result])
    for name, fn in (("packed", packed), ("one row per value", long)):
        with pg_schema() as url:
            rows.append(["PostgreSQL", name, fn(url, names, values, start)])
    print(
        table(
            [
                "database",
                "schema",
                "bytes/sample",
                "write s",
                "read 1 series s",
                "read all series s",
            ],
            [
                [
                    db,
                    schema,
                    f"{r['bytes']:.0f}",
                    f"{r['write']:.1f}",
                    f"{r['one']:.3f}",
                    f"{r['all']:.3f}",
                ]
                for db, schema, r in rows
            ],
        )
    )


if __name__ == "__main__":
    main()
