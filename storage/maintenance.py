"""The background history job: on PostgreSQL the upgrade of the blocks table and its
partitions ahead (``storage.upgrade``, ``storage.partitions``), then rollups, retention, then
(when enabled) compaction of old sample rows into history blocks (``storage.compaction``, up
to ``compact_budget`` seconds a run), every ``every`` seconds.

One thread per process. On PostgreSQL a session advisory lock (keyed by the schema, so
deployments sharing a database do not block each other) elects one runner at a time, so
several worker processes never do the same work twice (they would still be correct: rollups
are upserts and retention deletes what is due; compaction takes one block per transaction
and runs inside the same lock). Failures are logged, counted and retried on
the next run; they never stop the thread.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lifecycle import BackgroundThread
from storage.compaction import DEFAULT_BUDGET_S, DEFAULT_HORIZON_S, BlockCompactor
from storage.outage import DatabaseOutage, database_outage, first_line
from storage.partitions import ensure_ahead, tidy_default
from storage.retention import RetentionPolicy, enforce_retention
from storage.rollups import RollupJob
from storage.snapshot_compaction import SnapshotCompactor
from storage.store import MetricStore, to_ms
from storage.upgrade import convert_blocks_table

log = logging.getLogger(__name__)
PART = "history maintenance"


def maintenance_lock_key(schema: str) -> int:
    """The advisory lock key (signed 64-bit) of the history job of the tables in ``schema``."""
    digest = hashlib.sha256(f"monitor-history:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class HistoryMaintainer:
    """Runs ``RollupJob``, ``enforce_retention`` and, with ``compact_blocks``, a
    ``BlockCompactor`` (rows older than ``compact_horizon`` seconds) from its own thread."""

    def __init__(
        self,
        store: MetricStore,
        policy: RetentionPolicy,
        *,
        every: float = 60.0,
        clock: Callable[[], float] = time.time,
        outage: DatabaseOutage = database_outage,
        compact_blocks: bool = False,
        compact_horizon: float = DEFAULT_HORIZON_S,
        compact_budget: float = DEFAULT_BUDGET_S,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._outage = outage
        self.policy = policy
        self.every = every
        self.clock = clock
        self.job = RollupJob(store)
        self.compactor = (
            BlockCompactor(
                store,
                horizon=compact_horizon,
                cancel=self.job.cancel,
                max_blocks=None,
                budget_s=compact_budget,
                timer=timer,
            )
            if compact_blocks
            else None
        )
        self.snapshot_compactor = (
            SnapshotCompactor(  # a half budget: the samples' blocks come first
                store,
                horizon=compact_horizon,
                cancel=self.job.cancel,
                max_blocks=None,
                budget_s=compact_budget / 2,
                timer=timer,
            )
            if compact_blocks
            else None
        )
        self.runs = 0
        self.errors = 0
        self.last_result: dict[str, Any] = {}
        self._thread = BackgroundThread("monitor-history", self.run)
        self._stopping = self._thread.stopping

    def run_once(self) -> dict[str, Any] | None:
        """One rollup, retention and compaction pass; None when another process holds the
        lock."""
        now = self.clock()
        if self.store.dialect != "postgresql":
            return self._work(now)
        with self.store.engine.connect() as lock_conn:
            schema = lock_conn.execute(text("SELECT current_schema()")).scalar()
            key = maintenance_lock_key(str(schema))
            got = lock_conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            lock_conn.commit()
            if not got:
                return None
            try:
                return self._work(now)
            finally:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                lock_conn.commit()

    def _work(self, now: float) -> dict[str, Any]:
        if self.store.dialect == "postgresql":
            self.store.ensure_schema()
            convert_blocks_table(self.store.engine)  # once: a plain table of the last version
            ensure_ahead(self.store.engine, to_ms(now))
            tidy_default(self.store.engine)
        rolled = self.job.run(now)
        deleted = enforce_retention(self.store, self.policy, now)
        self.runs += 1
        self.last_result = {"rolled_up": rolled, "deleted": deleted}
        if self.compactor is not None:  # after retention: never compacts what it deletes
            self.last_result["compacted"] = self.compactor.run(now)
            run = self.compactor.last_run
            self.last_result["compaction"] = {
                "blocks": run.blocks, "samples": run.samples, "seconds": run.seconds
            }  # fmt: skip
        if self.snapshot_compactor is not None:
            self.last_result["snapshots_compacted"] = self.snapshot_compactor.run(now)
        return self.last_result

    def run(self) -> None:
        """The thread body: a pass right away, then one every ``every`` seconds until stopped."""
        while not self._stopping.is_set():
            try:
                self.run_once()
                self._outage.recovered(PART)
            except SQLAlchemyError as exc:  # the database: the process's one notice says it
                self.errors += 1
                self._outage.failed(PART, exc)
            except Exception as exc:
                self.errors += 1
                if self.errors == 1 or self.errors % 60 == 0:
                    log.error("%s failed (%d so far): %s", PART, self.errors, first_line(exc))
            if self._stopping.wait(self.every):
                break

    def start(self) -> None:
        """Starts the maintenance thread once."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the thread, waiting up to ``timeout`` for a pass in progress to finish."""
        self.job.cancel.set()
        self._thread.stop(timeout)
