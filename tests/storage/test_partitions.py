"""Day partitions of the history blocks on PostgreSQL: created ahead and on demand, DEFAULT for
the rest and tidied, and retention dropping whole partitions exactly (a block straddling its
partition's end keeps it) while reads of what remains are unchanged. SQLite keeps one table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, text

import storage.partitions as partitions
from storage.engine import make_engine
from storage.partitions import DAY_MS, day_name, ensure_ahead, ensure_day, tidy_default
from storage.retention import RetentionPolicy, enforce_retention
from storage.schema import SCHEMA_LOCK_KEY, blocks
from storage.store import MetricStore
from storage.usage import storage_bytes
from tests.storage.block_support import HOST, block_spans, noisy_samples, roll_up_and_compact
from tests.support.postgres import temporary_schema

D0 = 1_763_856_000.0  # 2025-11-23 00:00 UTC
D0_MS = int(D0 * 1000)


@pytest.fixture
def pg_store() -> Iterator[MetricStore]:
    with temporary_schema() as url:
        store = MetricStore(make_engine(url), process_snapshot_every=5.0)
        store.ensure_schema()
        yield store
        store.engine.dispose()


def sparse_samples(count: int, every: float = 60.0) -> list[dict[str, Any]]:
    """``noisy_samples`` a minute apart from D0: 900 of them (one block) span 15 hours."""
    out = noisy_samples(count, t0=D0)
    for i, sample in enumerate(out):
        sample["ts"] = D0 + i * every
    return out


def children(engine: Engine) -> dict[str, str]:
    """Partition name -> bound expression, from pg_inherits and pg_class."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
                " JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = to_regclass('monitor_blocks')"
            )
        ).all()
    return dict(rows)


def rows_in(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_new_database_is_partitioned_with_a_default(pg_store: MetricStore) -> None:
    with pg_store.engine.connect() as conn:
        assert partitions.is_partitioned(conn)
    assert children(pg_store.engine) == {"monitor_blocks_default": "DEFAULT"}


def test_sqlite_keeps_one_plain_table(tmp_path: Any) -> None:
    store = MetricStore(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))
    store.ensure_schema()
    assert ensure_day(store.engine, 20000) is False and tidy_default(store.engine) == []
    with store.engine.connect() as conn:
        assert not partitions.is_partitioned(conn)


def test_partitions_ahead_are_made_once(pg_store: MetricStore) -> None:
    now_ms = D0_MS + 5 * 3_600_000
    assert ensure_ahead(pg_store.engine, now_ms) == [20415, 20416, 20417]
    assert ensure_ahead(pg_store.engine, now_ms) == []
    made = children(pg_store.engine)
    assert made[day_name(20415)] == f"FOR VALUES FROM ('{D0_MS}') TO ('{D0_MS + DAY_MS}')"
    assert sorted(made) == [
        "monitor_blocks_d20251123", "monitor_blocks_d20251124", "monitor_blocks_d20251125",
        "monitor_blocks_default",
    ]  # fmt: skip


def test_a_block_without_its_partition_lands_in_default_and_is_tidied(
    pg_store: MetricStore,
) -> None:
    pg_store.write_batch(sparse_samples(1000))
    compacted = roll_up_and_compact(pg_store, D0 + 7 * 86400)
    assert compacted == 1 and rows_in(pg_store.engine, day_name(20415)) == 1
    block = {"host_id": 1, "start_ts": 4_102_444_800_000, "end_ts": 4_102_444_800_000}
    block |= {"layout_id": 1, "count": 1, "data": b"x"}  # 2100-01-01, no partition for it
    with pg_store.engine.begin() as conn:
        conn.execute(insert(blocks), [block])
    assert rows_in(pg_store.engine, "monitor_blocks_default") == 1
    spans = block_spans(pg_store)
    assert tidy_default(pg_store.engine) == [47482]
    assert rows_in(pg_store.engine, "monitor_blocks_default") == 0
    assert rows_in(pg_store.engine, "monitor_blocks_d21000101") == 1
    assert block_spans(pg_store) == spans


def test_a_lock_not_granted_in_time_leaves_it_to_default(
    pg_store: MetricStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "50ms")
    with pg_store.engine.connect() as holder:
        holder.execute(text("LOCK TABLE monitor_blocks_default IN ACCESS EXCLUSIVE MODE"))
        assert ensure_day(pg_store.engine, 20415) is False
        holder.rollback()
    assert ensure_day(pg_store.engine, 20415) is True


def test_compaction_makes_the_partition_of_each_day_it_writes(pg_store: MetricStore) -> None:
    pg_store.write_batch(sparse_samples(3000))  # two days, a minute apart
    assert roll_up_and_compact(pg_store, D0 + 7 * 86400) == 6
    made = children(pg_store.engine)
    assert sorted(made) == [day_name(20415), day_name(20416), "monitor_blocks_default"]
    assert rows_in(pg_store.engine, "monitor_blocks_default") == 0
    assert rows_in(pg_store.engine, day_name(20415)) == 4  # the 4th straddles into day 2
    sizes = storage_bytes(pg_store.engine)
    partition_bytes = 0
    with pg_store.engine.connect() as conn:
        for name in made:
            query = text("SELECT pg_total_relation_size(to_regclass(:t))")
            partition_bytes += conn.execute(query, {"t": name}).scalar_one()
    assert sizes["monitor_blocks"] == partition_bytes > 0  # partitions summed
    assert sizes["monitor_samples"] > 0  # plain tables as they are


def test_retention_drops_a_partition_once_its_last_block_ends_before_the_cutoff(
    pg_store: MetricStore,
) -> None:
    pg_store.write_batch(sparse_samples(3000))
    roll_up_and_compact(pg_store, D0 + 7 * 86400)
    spans = block_spans(pg_store)
    straddling = spans[3]
    assert straddling[0] < D0_MS + DAY_MS <= straddling[1]
    remaining_start = (straddling[1] + 1) / 1000
    before = pg_store.read_frame(HOST, remaining_start, D0 + 3 * 86400)
    policy = RetentionPolicy(raw=3600)

    def retain(cutoff_ms: int) -> int:
        return enforce_retention(pg_store, policy, (cutoff_ms + 3_600_000) / 1000)["samples"]

    # Past the first day's end but not past its straddling block's: the day is kept, and only
    # its blocks that end before the cutoff go, one by one.
    assert retain(straddling[1]) == sum(count for _, _, count in spans[:3])
    assert day_name(20415) in children(pg_store.engine)
    assert block_spans(pg_store) == spans[3:]
    # One millisecond later the straddling block is past too: the whole day is dropped.
    assert retain(straddling[1] + 1) == straddling[2]
    assert sorted(children(pg_store.engine)) == [day_name(20416), "monitor_blocks_default"]
    assert block_spans(pg_store) == spans[4:]
    after = pg_store.read_frame(HOST, remaining_start, D0 + 3 * 86400)
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert retain(straddling[1] + 1) == 0


def test_empty_past_partitions_are_dropped_and_the_boundary_one_kept(
    pg_store: MetricStore,
) -> None:
    ensure_ahead(pg_store.engine, D0_MS - 3 * DAY_MS)  # three empty days before the data
    pg_store.write_batch(sparse_samples(3000))
    roll_up_and_compact(pg_store, D0 + 7 * 86400)
    spans = block_spans(pg_store)
    # The raw age ends at the start of the day before the data: two empty days are past.
    now = D0 + 7 * 86400
    assert enforce_retention(pg_store, RetentionPolicy(raw=8 * 86400), now)["samples"] == 0
    assert sorted(children(pg_store.engine)) == [
        day_name(20414), day_name(20415), day_name(20416), "monitor_blocks_default",
    ]  # fmt: skip
    assert block_spans(pg_store) == spans


def test_a_reader_holding_the_table_delays_a_drop_not_the_retention(
    pg_store: MetricStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "50ms")
    pg_store.write_batch(sparse_samples(3000))
    roll_up_and_compact(pg_store, D0 + 7 * 86400)
    spans = block_spans(pg_store)
    cutoff_ms = spans[3][1] + 1  # every block of the first day ends before it
    now = (cutoff_ms + 3_600_000) / 1000
    with pg_store.engine.connect() as reader:  # a long export: ACCESS SHARE until it ends
        reader.execute(text("SELECT count(*) FROM monitor_blocks"))
        deleted = enforce_retention(pg_store, RetentionPolicy(raw=3600), now)["samples"]
        assert deleted == sum(count for _, _, count in spans[:4])  # one by one instead
        assert day_name(20415) in children(pg_store.engine)
        reader.rollback()
    assert block_spans(pg_store) == spans[4:]
    assert enforce_retention(pg_store, RetentionPolicy(raw=3600), now)["samples"] == 0
    assert day_name(20415) not in children(pg_store.engine)  # dropped once the reader went


def test_compaction_refused_its_partition_writes_to_default_and_the_job_tidies(
    pg_store: MetricStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "50ms")
    pg_store.write_batch(sparse_samples(1000))
    with pg_store.engine.connect() as holder:  # another process creating the schema, say
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
        assert roll_up_and_compact(pg_store, D0 + 7 * 86400) == 1
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK_KEY})
        holder.commit()
    assert rows_in(pg_store.engine, "monitor_blocks_default") == 1
    spans = block_spans(pg_store)
    assert tidy_default(pg_store.engine) == [20415]
    assert rows_in(pg_store.engine, "monitor_blocks_default") == 0
    assert rows_in(pg_store.engine, day_name(20415)) == 1 and block_spans(pg_store) == spans
