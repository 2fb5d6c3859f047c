"""The rollup job: 1-minute aggregates from raw samples, 1-hour aggregates from 1-minute ones,
and process usage by the hour from the snapshots (``storage.process_rollups``).

Idempotent and incremental. Per host and tier, ``monitor_rollup_state.done_until`` marks how far
buckets are complete and stored; each run computes the complete buckets after it, a window at a
time, and upserts them together with the new ``done_until`` in one transaction, so a run that
fails or overlaps another one never leaves a gap or a duplicate.

A 1-minute bucket is complete when a later sample of its host is stored (samples of one host
are written in time order) or, for a host that went quiet, ``settle`` seconds after its end. A
1-hour bucket is complete when its minutes are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from storage.aggregates import Aggregates, concat
from storage.engine import insert_for
from storage.history import HistoryReader
from storage.process_rollups import roll_up_processes
from storage.schema import hosts, rollup_state, rollups
from storage.store import MetricStore, to_ms
from storage.tiers import FINER, MINUTE, ROLLUP_TIERS, Tier, done_until, floor_to, next_time

log = logging.getLogger(__name__)

# Rows of the finer tier aggregated per transaction: 6 h of 1 Hz samples, or a week of minutes.
WINDOW_MS = {MINUTE.name: 6 * 3_600_000, "1h": 7 * 86_400_000}
DEFAULT_SETTLE_S = 2 * 3600.0


class RollupJob:
    """Brings every host's 1m and 1h rollups up to date; ``run`` is safe to repeat."""

    def __init__(self, store: MetricStore, *, settle: float = DEFAULT_SETTLE_S) -> None:
        self.store = store
        self.reader = HistoryReader(store)
        self.settle_ms = to_ms(settle)
        self.cancel = threading.Event()  # set to make a long run return early (resumable)

    def run(self, now: float) -> dict[str, int]:
        """Rolls up every complete bucket as of ``now`` (epoch seconds); returns the number of
        buckets written per tier."""
        self.store.ensure_schema()
        with self.store.engine.connect() as conn:
            host_rows = conn.execute(select(hosts.c.id, hosts.c.name, hosts.c.last_ts)).all()
        written = {tier.name: 0 for tier in ROLLUP_TIERS} | {"processes": 0}
        for host, name, last_ts in host_rows:
            frontier = max(last_ts, to_ms(now) - self.settle_ms)
            for tier in ROLLUP_TIERS:
                written[tier.name] += self.roll_up(host, tier, frontier)
                # The next tier may only use what this one has completed.
                with self.store.engine.connect() as conn:
                    frontier = done_until(conn, host, tier) or 0
                if tier is MINUTE and not self.cancel.is_set():  # snapshots are as complete
                    written["processes"] += roll_up_processes(self.store, host, name, frontier)
        return written

    def roll_up(self, host: int, tier: Tier, frontier_ms: int) -> int:
        """Stores ``tier``'s buckets of ``host`` that end at or before ``frontier_ms``."""
        width = tier.width_ms
        limit = floor_to(frontier_ms, width)
        written = 0
        while not self.cancel.is_set():
            with self.store.engine.begin() as conn:
                done = done_until(conn, host, tier)
                nxt = next_time(conn, host, FINER[tier.name], done)
                if nxt is None or floor_to(nxt, width) >= limit:
                    if done is not None and done < limit:
                        self._set_done(conn, host, tier, limit)
                    return written
                lo = floor_to(nxt, width)
                hi = min(limit, lo + WINDOW_MS[tier.name])
                parts = list(self.reader.iter_tier(conn, host, FINER[tier.name], lo, hi, None))
                names = sorted({n for p in parts for n in p.names})
                buckets = concat(parts, names, 0).bucket(width)
                self._upsert(conn, host, tier, buckets)
                self._set_done(conn, host, tier, hi)
                written += len(buckets)
        return written

    def _upsert(self, conn: Connection, host: int, tier: Tier, data: Aggregates) -> None:
        if not len(data):
            return
        layout_id = self.store.ensure_layout(conn, data.names)
        rows = [
            {
                "host_id": host,
                "tier": tier.code,
                "bucket": int(data.ts[i]),
                "layout_id": layout_id,
                "n": data.count[i].tobytes(),
                "vmin": data.min[i].tobytes(),
                "vmean": data.mean[i].tobytes(),
                "vmax": data.max[i].tobytes(),
            }
            for i in range(len(data))
        ]
        keys = ["host_id", "tier", "bucket"]
        update = ["layout_id", "n", "vmin", "vmean", "vmax"]
        upsert(conn, rollups, rows, keys, update)

    def _set_done(self, conn: Connection, host: int, tier: Tier, until: int) -> None:
        row = {"host_id": host, "tier": tier.code, "done_until": until}
        upsert(conn, rollup_state, [row], ["host_id", "tier"], ["done_until"])


def upsert(
    conn: Connection,
    table: Any,
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update = excluded.update, on either database."""
    statement = insert_for(conn.dialect.name)(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: statement.excluded[c] for c in update}
    )
    conn.execute(statement, rows)
