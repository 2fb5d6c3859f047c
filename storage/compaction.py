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
writes at most ``max_blocks`` blocks, so it never holds up the maintenance job for long.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select

from storage.blocks import LEVEL, decode_block, encode_block
from storage.schema import blocks, hosts, samples
from storage.store import FLOAT, MetricStore, to_ms
from storage.tiers import MINUTE, done_until

log = logging.getLogger(__name__)
BLOCK_SAMPLES = 900  # docs/benchmarks.md, "History blocks: the encoding (issue 15)"
DEFAULT_HORIZON_S = 600.0
DEFAULT_MAX_BLOCKS = 40


class CompactionConflict(RuntimeError):
    """The rows of a run changed while it was being compacted; the block was not kept."""


class BlockCompactor:
    """Turns each host's old sample rows into blocks, ``max_blocks`` per ``run`` at most."""

    def __init__(
        self,
        store: MetricStore,
        *,
        horizon: float = DEFAULT_HORIZON_S,
        block_samples: int = BLOCK_SAMPLES,
        max_blocks: int = DEFAULT_MAX_BLOCKS,
        level: int = LEVEL,
        cancel: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.horizon_ms = to_ms(horizon)
        self.block_samples = block_samples
        self.max_blocks = max_blocks
        self.level = level
        self.cancel = cancel or threading.Event()

    def run(self, now: float) -> int:
        """Compacts what is due as of ``now`` (epoch seconds); returns the blocks written."""
        self.store.ensure_schema()
        with self.store.engine.connect() as conn:
            host_ids = list(conn.execute(select(hosts.c.id).order_by(hosts.c.id)).scalars())
        written = 0
        for host in host_ids:
            while written < self.max_blocks and not self.cancel.is_set():
                try:
                    if not self.compact_one(host, to_ms(now) - self.horizon_ms):
                        break
                except CompactionConflict as conflict:  # rolled back: the next run retries
                    log.warning("history compaction: %s", conflict)
                    break
                written += 1
        return written

    def compact_one(self, host: int, before_ms: int) -> bool:
        """Writes ``host``'s next block of rows older than ``before_ms`` and rolled up to the
        minute; False when no whole run is due."""
        with self.store.engine.begin() as conn:
            rolled = done_until(conn, host, MINUTE)
            if rolled is None:
                return False
            run = self._next_run(conn, host, min(before_ms, rolled))
            if run is None:
                return False
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
        return True

    def _next_run(self, conn: Connection, host: int, limit_ms: int) -> list[Any] | None:
        """The rows of the next whole run older than ``limit_ms``, after the newest block."""
        frontier = conn.execute(
            select(blocks.c.end_ts)
            .where(blocks.c.host_id == host)
            .order_by(blocks.c.start_ts.desc())
            .limit(1)
        ).scalar()
        where = [samples.c.host_id == host, samples.c.ts < limit_ms]
        if frontier is not None:
            where.append(samples.c.ts > frontier)
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
