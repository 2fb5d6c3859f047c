"""Compaction's rules: what is due, idempotence, bounded runs, interruptions, retention and the
bytes it saves, on SQLite and PostgreSQL (clocks injected, no sleeps)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

import storage.compaction as compaction
from storage.compaction import BlockCompactor, CompactionConflict, delete_rows
from storage.engine import make_engine
from storage.maintenance import HistoryMaintainer
from storage.retention import RetentionPolicy, enforce_retention
from storage.rollups import RollupJob
from storage.schema import blocks
from storage.store import MetricStore
from storage.tiers import MINUTE, done_until
from storage.tiers import host_id as lookup
from tests.storage.block_support import (
    HOST,
    T0,
    block_spans,
    noisy_samples,
    payload_bytes,
    roll_up_and_compact,
    row_times,
)

MS = int(T0 * 1000)


@pytest.fixture
def store(database_url: str) -> Iterator[MetricStore]:
    store = MetricStore(make_engine(database_url), process_snapshot_every=5.0)
    yield store
    store.engine.dispose()


def host_id(store: MetricStore) -> int:
    with store.engine.connect() as conn:
        found = lookup(conn, HOST)
    assert found is not None
    return found


def test_twice_is_once_and_runs_are_bounded(store: MetricStore) -> None:
    store.write_batch(noisy_samples(3000))
    RollupJob(store).run(T0 + 7200)
    bounded = BlockCompactor(store, max_blocks=2)
    assert bounded.run(T0 + 7200) == 2  # a run stops after max_blocks ...
    assert len(block_spans(store)) == 2
    assert roll_up_and_compact(store, T0 + 7200) == 4  # ... and the next ones go on
    spans, rows = block_spans(store), row_times(store)
    assert roll_up_and_compact(store, T0 + 7200) == 0
    assert (block_spans(store), row_times(store)) == (spans, rows)
    assert sum(count for _, _, count in spans) + len(rows) == 3000


def test_leaves_the_newest_rows_and_what_is_not_rolled_up(store: MetricStore) -> None:
    batch = noisy_samples(3000)
    store.write_batch(batch[:1500])
    RollupJob(store).run(T0 + 1500)  # rolled up to minute 24 (T0 + 1440 s)
    store.write_batch(batch[1500:])
    with store.engine.connect() as conn:
        rolled = done_until(conn, host_id(store), MINUTE)
    assert rolled == MS + 1_440_000
    assert BlockCompactor(store).run(T0 + 7200) == 3  # 0-899, 900-1199 and 1200-1299 (cut)
    assert max(end for _, end, _ in block_spans(store)) < rolled
    assert row_times(store) == [MS + 1000 * i for i in range(1300, 3000)]
    # Rolled up to the end now, but the clock says the newest ten minutes are still batches.
    RollupJob(store).run(T0 + 7200)
    # Due: before T0 + 2600 s. 1300-2199, 2200-2499 and 2500 (cut twice by its layout).
    assert BlockCompactor(store, horizon=600).run(T0 + 3200) == 3
    assert row_times(store)[0] == MS + 2_501_000 and len(row_times(store)) == 499
    assert max(end for _, end, _ in block_spans(store)) < MS + 2_600_000


def test_a_layout_change_cuts_the_run(store: MetricStore) -> None:
    store.write_batch(noisy_samples(1400))
    roll_up_and_compact(store, T0 + 7200)
    assert [(start - MS, count) for start, _, count in block_spans(store)] == [
        (0, 900), (900_000, 300), (1_200_000, 100),
    ]  # fmt: skip


def test_an_interruption_leaves_the_rows_and_no_block(
    store: MetricStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_batch(noisy_samples(1000))
    RollupJob(store).run(T0 + 7200)
    rows = row_times(store)

    def crash(*args: object) -> None:  # the block is inserted: fail before the rows go
        raise RuntimeError("killed")

    monkeypatch.setattr(compaction, "delete_rows", crash)
    with pytest.raises(RuntimeError, match="killed"):
        BlockCompactor(store).run(T0 + 7200)
    assert (block_spans(store), row_times(store)) == ([], rows)
    monkeypatch.undo()
    assert BlockCompactor(store).run(T0 + 7200) == 1
    assert len(row_times(store)) == len(rows) - 900


def test_rows_that_are_not_the_block_roll_it_back(store: MetricStore) -> None:
    store.write_batch(noisy_samples(10))
    with pytest.raises(CompactionConflict), store.engine.begin() as conn:
        delete_rows(conn, host_id(store), MS, MS + 9000, 9)  # 10 rows there, not 9
    assert len(row_times(store)) == 10


def test_retention_deletes_blocks_past_the_cutoff_and_keeps_a_straddling_one(
    store: MetricStore,
) -> None:
    store.write_batch(noisy_samples(2000, t0=T0 - 86400))  # a day ago: 0-899, 900-1199, ...
    roll_up_and_compact(store, T0)
    spans = block_spans(store)
    assert len(spans) >= 3
    # The raw age ends inside the second block (its 100th sample): only the first goes.
    now = (spans[1][0] + 100_000) / 1000 + 3600
    deleted = enforce_retention(store, RetentionPolicy(raw=3600), now)
    assert block_spans(store) == spans[1:]
    assert deleted["samples"] == 900
    assert enforce_retention(store, RetentionPolicy(raw=3600), now)["samples"] == 0


def test_stored_bytes_before_and_after(store: MetricStore) -> None:
    store.write_batch(noisy_samples(2 * 3600))  # two hours at 1 Hz
    rows_before, _ = payload_bytes(store)
    roll_up_and_compact(store, T0 + 4 * 3600)
    rows_after, held = payload_bytes(store)
    assert rows_after < rows_before / 10  # most rows are gone ...
    assert held < (rows_before - rows_after) / 3  # ... into less than a third of their bytes
    with store.engine.connect() as conn:
        assert conn.execute(select(blocks.c.count)).scalars().all()[0] == 900


def test_the_maintenance_job_compacts_only_when_asked(store: MetricStore) -> None:
    store.write_batch(noisy_samples(1000))
    policy = RetentionPolicy()
    plain = HistoryMaintainer(store, policy, clock=lambda: T0 + 7200)
    result = plain.run_once()
    assert result is not None and "compacted" not in result and block_spans(store) == []
    compacting = HistoryMaintainer(store, policy, clock=lambda: T0 + 7200, compact_blocks=True)
    assert compacting.run_once()["compacted"] == 1  # type: ignore[index]
    assert compacting.run_once()["compacted"] == 0  # type: ignore[index]


def test_a_time_budget_bounds_a_run_and_the_run_says_what_it_did(store: MetricStore) -> None:
    store.write_batch(noisy_samples(3000))
    RollupJob(store).run(T0 + 7200)
    ticks = iter(range(1000))
    budgeted = BlockCompactor(store, max_blocks=None, budget_s=3, timer=lambda: next(ticks))
    # Started at 0 s: a block at 1 s and at 2 s; at 3 s the budget is spent.
    assert budgeted.run(T0 + 7200) == 2
    assert (budgeted.last_run.blocks, budgeted.last_run.samples) == (2, 900 + 300)
    assert budgeted.last_run.seconds == 4  # the run ends at 4 s
    assert budgeted.run(T0 + 7200) == 2 and budgeted.last_run.samples == 100 + 900
    assert budgeted.run(T0 + 7200) == 2 and budgeted.last_run.samples == 300 + 1
    assert budgeted.run(T0 + 7200) == 0 and budgeted.last_run == compaction.CompactionRun(0, 0, 2)
