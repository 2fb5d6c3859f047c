"""Compaction: older raw sample rows become history blocks (``storage.blocks``).

Per host, a run of consecutive sample rows of one layout (``BLOCK_SAMPLES`` of them, or fewer
where the layout changes after them) becomes one ``monitor_blocks`` row once every row of it is
older than ``horizon`` (the writer's batches, a successor's re-stored backlog) and inside the
1-minute rollups' ``done_until`` (so the rollups never need to read it again). Only rows after
the host's newest block are taken, so blocks never overlap; a row stored later inside a
compacted range (a clock that went back) stays a row and reads as the block's time does
(``storage.raw_reads``).

Each block is one transaction: the block is encoded, decoded again and compared bit for bit,
inserted, and exactly its rows deleted, so an interruption leaves either the rows or the
block, never both and never neither; a re-run takes up where the last one stopped. A run
writes at most ``max_blocks`` blocks and, with ``budget_s``, stops starting blocks once that
many seconds of ``timer`` have gone (the maintenance job gives it a share of each minute, so a
database of rows alone, an upgraded one, is compacted in the background at a measured rate,
``last_run``). On PostgreSQL the partition of each block's day is made before the block is
written (``storage.partitions``; without it the block lands in DEFAULT, never refused).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select

from storage.blocks import LEVEL, decode_block, encode_block
from storage.partitions import day_of, ensure_day, is_partitioned
from storage.schema import blocks, hosts, samples
from storage.store import FLOAT, MetricStore, to_ms
from storage.tiers import MINUTE, done_until

log = logging.getLogger(__name__)
BLOCK_SAMPLES = 900  # docs/benchmarks.md, "History blocks: the encoding (issue 15)"
DEFAULT_HORIZON_S = 600.0
DEFAULT_MAX_BLOCKS = 40
DEFAULT_BUDGET_S = 10.0  # of each minute's maintenance run (docs/benchmarks.md, "Upgrade")


@dataclass(frozen=True)
class CompactionRun:
    """What one ``run`` did: blocks written, the samples in them, seconds of ``timer``."""

    blocks: int = 0
    samples: int = 0
    seconds: float = 0.0


class CompactionConflict(RuntimeError):
    """The rows of a run changed while it was being compacted; the block was not kept."""


class BlockCompactor:
    """Turns each host's old sample rows into blocks, ``max_blocks`` (None: no limit) and
    ``budget_s`` seconds (None: no limit) per ``run`` at most."""

    def __init__(
        self,
        store: MetricStore,
        *,
        horizon: float = DEFAULT_HORIZON_S,
        block_samples: int = BLOCK_SAMPLES,
        max_blocks: int | None = DEFAULT_MAX_BLOCKS,
        budget_s: float | None = None,
        timer: Callable[[], float] = time.monotonic,
        level: int = LEVEL,
        cancel: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.horizon_ms = to_ms(horizon)
        self.block_samples = block_samples
        self.max_blocks = max_blocks
        self.budget_s = budget_s
        self.timer = timer
        self.level = level
        self.cancel = cancel or threading.Event()
        self.last_run = CompactionRun()
        self._days: set[int] = set()  # days whose partition exists (PostgreSQL)
        self._partitioned = False

    def run(self, now: float) -> int:
        """Compacts what is due as of ``now`` (epoch seconds); returns the blocks written."""
        self.store.ensure_schema()
        with self.store.engine.connect() as conn:
            host_ids = list(conn.execute(select(hosts.c.id).order_by(hosts.c.id)).scalars())
        with self.store.engine.connect() as conn:
            self._partitioned = is_partitioned(conn)  # (the upgrade runs between passes)
        started = self.timer()
        written = held = 0
        for host in host_ids:
            while self._may_go_on(written, started):
                try:
                    count = self.compact_one(host, to_ms(now) - self.horizon_ms)
                except CompactionConflict as conflict:  # rolled back: the next run retries
                    log.warning("history compaction: %s", conflict)
                    break
                if not count:
                    break
                written, held = written + 1, held + count
        self.last_run = CompactionRun(written, held, self.timer() - started)
        return written

    def _may_go_on(self, written: int, started: float) -> bool:
        if self.cancel.is_set():
            return False
        if self.max_blocks is not None and written >= self.max_blocks:
            return False
        return self.budget_s is None or self.timer() - started < self.budget_s

    def _ensure_partition(self, start_ms: int) -> None:
        """Makes the partition of ``start_ms``'s day unless known to exist (PostgreSQL)."""
        day = day_of(start_ms)
        if day not in self._days:
            ensure_day(self.store.engine, day)  # False: one covered it, or DEFAULT takes it
            self._days.add(day)

    def compact_one(self, host: int, before_ms: int) -> int:
        """Writes ``host``'s next block of rows older than ``before_ms`` and rolled up to the
        minute; returns its samples, 0 when no whole run is due."""
        if self._partitioned:
            with self.store.engine.connect() as conn:
                first = self._first_row(conn, host, before_ms)
            if first is not None:
                self._ensure_partition(first)
        with self.store.engine.begin() as conn:
            rolled = done_until(conn, host, MINUTE)
            if rolled is None:
                return 0
            run = self._next_run(conn, host, min(before_ms, rolled))
            if run is None:
                return 0
            names = self.store.layout_names(conn, [run[0][1]])[run[0][1]]
            ts = np.array([row[0] for row in run], dtype=np.int64)
            matrix = np.frombuffer(b"".join(bytes(row[2]) for row in run), dtype=FLOAT)
            matrix = matrix.reshape(len(run), len(names))
            data = encode_block(ts, matrix, level=self.level)
            decoded = decode_block(data)
            if not np.array_equal(decoded.values.view(np.uint64), matrix.view(np.uint64)):
                raise AssertionError(f"history block of host {host} does not decode bit-exact")
            block = {"host_id": host, "start_ts": int(ts[0]), "end_ts": int(ts[-1])}
            block |= {"layout_id": run[0][1], "count": len(run), "data": data}
            conn.execute(insert(blocks), [block])
            delete_rows(conn, host, int(ts[0]), int(ts[-1]), len(run))
        return len(run)

    def _where(self, conn: Connection, host: int, limit_ms: int) -> list[Any]:
        """The rows a next run may take: older than ``limit_ms``, after the newest block."""
        frontier = conn.execute(
            select(blocks.c.end_ts)
            .where(blocks.c.host_id == host)
            .order_by(blocks.c.start_ts.desc())
            .limit(1)
        ).scalar()
        where = [samples.c.host_id == host, samples.c.ts < limit_ms]
        if frontier is not None:
            where.append(samples.c.ts > frontier)
        return where

    def _first_row(self, conn: Connection, host: int, limit_ms: int) -> int | None:
        """The time the next block would start at, if one is due."""
        where = self._where(conn, host, limit_ms)
        return conn.execute(
            select(samples.c.ts).where(*where).order_by(samples.c.ts).limit(1)
        ).scalar()

    def _next_run(self, conn: Connection, host: int, limit_ms: int) -> list[Any] | None:
        """The rows of the next whole run older than ``limit_ms``, after the newest block."""
        where = self._where(conn, host, limit_ms)
        rows = conn.execute(
            select(samples.c.ts, samples.c.layout_id, samples.c.data)
            .where(*where)
            .order_by(samples.c.ts)
            .limit(self.block_samples + 1)
        ).all()
        return whole_run(rows, self.block_samples)


def whole_run(rows: Sequence[Any], size: int) -> list[Any] | None:
    """The leading rows of one layout (``row[1]``) when they make a whole run: ``size`` rows,
    or fewer that a row of another layout follows; None when the run may still grow."""
    if not rows:
        return None
    layout = rows[0][1]
    length = next((i for i, row in enumerate(rows[:size]) if row[1] != layout), None)
    if length is None:
        return list(rows[:size]) if len(rows) >= size else None
    return list(rows[:length])


def delete_rows(conn: Connection, host: int, first_ms: int, last_ms: int, expected: int) -> None:
    """Deletes ``host``'s rows from ``first_ms`` to ``last_ms``; CompactionConflict (the
    transaction rolls back) unless they are exactly the ``expected`` rows of the block."""
    result = conn.execute(
        delete(samples).where(
            samples.c.host_id == host, samples.c.ts >= first_ms, samples.c.ts <= last_ms
        )
    )
    if result.rowcount != expected:
        raise CompactionConflict(
            f"host {host}: {result.rowcount} rows from {first_ms} to {last_ms}, not {expected}"
        )
