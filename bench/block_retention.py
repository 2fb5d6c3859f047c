"""Benchmark: retention of a day of history blocks, by dropping its partition (PostgreSQL, day
partitions) against deleting its blocks (PostgreSQL as the previous version laid it out, and
SQLite), issue 15's "retention that does not scan".

Run: ``.venv/bin/python -m bench.block_retention [--hosts 5] [--kib 40]``

Fills ``monitor_blocks`` with two days of blocks of ``--hosts`` hosts, one a quarter of an hour
(96 a day), each ``--kib`` KiB of random bytes (the size of a real block of about 100 series:
docs/benchmarks.md, "History blocks"; the retention never decodes them), marks every host
rolled up to the end, then times ``enforce_retention`` at a raw age that ends at the midnight
between the two days, and reports the table's bytes before and after (a delete leaves dead
rows for VACUUM to reclaim; a drop gives the files back at once).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, MetaData, Table, insert, text

from bench.common import machine, pg_schema, table
from storage.engine import make_engine
from storage.partitions import day_of, ensure_day
from storage.retention import RetentionPolicy, enforce_retention
from storage.schema import blocks, hosts, rollup_state
from storage.store import MetricStore
from storage.usage import storage_bytes

DAY_MS = 86_400_000
D0_MS = 1_763_856_000_000  # 2025-11-23 00:00 UTC
QUARTER_MS = 900_000


def plain_blocks(engine_url: str) -> None:
    """Creates ``monitor_blocks`` as the previous version did (one plain table)."""
    legacy = Table(
        "monitor_blocks",
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in blocks.c),
    )
    engine = make_engine(engine_url)
    legacy.create(engine)
    engine.dispose()


def fill(store: MetricStore, host_count: int, kib: int) -> int:
    """Two days of blocks per host; returns the blocks written."""
    blob = os.urandom(kib * 1024)
    with store.engine.begin() as conn:
        conn.execute(
            insert(hosts),
            [{"name": f"h{i}", "info": "{}", "last_ts": 0} for i in range(host_count)],
        )
        ids = list(conn.execute(text("SELECT id FROM monitor_hosts")).scalars())
        end = D0_MS + 2 * DAY_MS
        conn.execute(
            insert(rollup_state),
            [{"host_id": h, "tier": t, "done_until": end} for h in ids for t in (60, 3600)],
        )
    written = 0
    for start in range(D0_MS, D0_MS + 2 * DAY_MS, QUARTER_MS):
        if store.dialect == "postgresql":
            ensure_day(store.engine, day_of(start))
        rows = [
            {
                "host_id": h,
                "start_ts": start,
                "end_ts": start + QUARTER_MS - 1000,
                "layout_id": 1,
                "count": 900,
                "data": blob,
            }
            for h in ids
        ]
        with store.engine.begin() as conn:
            conn.execute(insert(blocks), rows)
        written += len(rows)
    return written


def measure(label: str, url: str, host_count: int, kib: int) -> list[object]:
    store = MetricStore(make_engine(url))
    store.ensure_schema()
    written = fill(store, host_count, kib)
    before = storage_bytes(store.engine)["monitor_blocks"]
    now = (D0_MS + DAY_MS) / 1000 + 3600  # the raw age (an hour) ends at the midnight between
    began = time.perf_counter()
    deleted = enforce_retention(store, RetentionPolicy(raw=3600), now)["samples"]
    took = time.perf_counter() - began
    after = storage_bytes(store.engine)["monitor_blocks"]
    store.engine.dispose()
    mib = 2**20
    return [
        label,
        written,
        deleted // 900,
        f"{took * 1000:.0f}",
        f"{before / mib:.1f}",
        f"{after / mib:.1f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=5)
    parser.add_argument("--kib", type=int, default=40)
    args = parser.parse_args()
    rows = []
    with pg_schema() as url:
        rows.append(measure("postgresql, day partitions", url, args.hosts, args.kib))
    with pg_schema() as url:
        plain_blocks(url)
        rows.append(measure("postgresql, one table (0a56344)", url, args.hosts, args.kib))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'retention.db'}"
        rows.append(measure("sqlite, one table", url, args.hosts, args.kib))
    print(machine())
    print(f"{args.hosts} hosts, two days of blocks of {args.kib} KiB, retention of the first day")
    headers = ["database", "blocks", "blocks deleted", "retention ms", "MiB before", "MiB after"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
