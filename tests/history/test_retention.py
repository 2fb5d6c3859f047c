"""Retention deletes exactly what is past its tier's age (the clock is injected), in chunks."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.retention import RetentionPolicy, enforce_retention
from storage.rollups import RollupJob
from storage.schema import process_snapshots, process_usage, rollups, samples
from storage.store import MetricStore
from storage.tiers import HOUR, MINUTE
from tests.history.conftest import T0, spiky_samples
from tests.support.counting import count_samples

DAY = 86400.0
POLICY = RetentionPolicy(raw=3 * DAY, minute=5 * DAY, hour=8 * DAY)


def times(store: MetricStore, column, *where) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(column).where(*where).order_by(column)).scalars())


def minute_buckets(store: MetricStore) -> list[int]:
    return times(store, rollups.c.bucket, rollups.c.tier == MINUTE.code)


def hour_buckets(store: MetricStore) -> list[int]:
    return times(store, rollups.c.bucket, rollups.c.tier == HOUR.code)


def test_deletes_only_what_is_past_its_age(store: MetricStore) -> None:
    batch = spiky_samples(10 * 288, interval=300.0)  # ten days, one sample per 5 minutes
    store.write_batch(batch)
    now = T0 + 10 * DAY
    RollupJob(store).run(now=now)
    before = {
        "samples": times(store, samples.c.ts),
        "snapshots": times(store, process_snapshots.c.ts),
        "1m": minute_buckets(store),
        "1h": hour_buckets(store),
        "usage": times(store, process_usage.c.bucket),
    }
    deleted = enforce_retention(store, POLICY, now, chunk_rows=100)

    def kept(values: list[int], age: float) -> list[int]:
        return [v for v in values if v >= (now - age) * 1000]

    assert times(store, samples.c.ts) == kept(before["samples"], 3 * DAY)
    assert times(store, process_snapshots.c.ts) == kept(before["snapshots"], 3 * DAY)
    assert minute_buckets(store) == kept(before["1m"], 5 * DAY)
    assert hour_buckets(store) == kept(before["1h"], 8 * DAY)
    assert times(store, process_usage.c.bucket) == kept(before["usage"], 8 * DAY)
    assert deleted == {
        "samples": len(before["samples"]) - len(kept(before["samples"], 3 * DAY)),
        "process_snapshots": len(before["snapshots"]) - len(kept(before["snapshots"], 3 * DAY)),
        "rollups_1m": len(before["1m"]) - len(kept(before["1m"], 5 * DAY)),
        "rollups_1h": len(before["1h"]) - len(kept(before["1h"], 8 * DAY)),
        "process_usage": len(before["usage"]) - len(kept(before["usage"], 8 * DAY)),
        "snapshot_blocks": 0,  # none compacted here: tests/storage/test_snapshot_blocks.py
    }
    assert deleted["process_usage"] > 0 and deleted["samples"] > 100  # several chunks
    assert enforce_retention(store, POLICY, now, chunk_rows=100) == dict.fromkeys(deleted, 0)


def test_nothing_is_deleted_before_it_is_rolled_up(store: MetricStore) -> None:
    batch = spiky_samples(10 * 288, interval=300.0)
    half = 5 * 288
    store.write_batch(batch[:half])
    now = T0 + 10 * DAY
    deleted = enforce_retention(store, POLICY, now, chunk_rows=100)
    assert deleted["samples"] == 0  # no 1-minute rollups yet: raw samples are all kept
    assert count_samples(store) == half
    # Rolled up to day 5 only (the job ran then); the next five days arrive afterwards.
    RollupJob(store).run(now=batch[half - 1]["ts"] + 1)
    store.write_batch(batch[half:])
    enforce_retention(store, POLICY, now, chunk_rows=100)
    with store.engine.connect() as conn:
        oldest = conn.execute(select(func.min(samples.c.ts))).scalar()
    # The 3-day age would delete up to day 7; the rollups bound it to their end, day 5.
    assert oldest == batch[half - 1]["ts"] * 1000


def test_retention_is_per_host(store: MetricStore) -> None:
    store.write_batch(spiky_samples(4 * 288, host="a", interval=300.0))
    store.write_batch(spiky_samples(2 * 288, host="b", t0=T0 + 2 * DAY, interval=300.0))
    now = T0 + 4 * DAY
    RollupJob(store).run(now=now)
    enforce_retention(store, RetentionPolicy(raw=1.5 * DAY), now)
    assert count_samples(store, "a") == 288 * 3 // 2
    assert count_samples(store, "b") == 288 * 3 // 2


def test_snapshots_are_kept_until_their_hours_are_rolled_up(store: MetricStore) -> None:
    store.write_batch(spiky_samples(10 * 288, interval=300.0))
    deleted = enforce_retention(store, POLICY, T0 + 10 * DAY, chunk_rows=100)
    assert deleted["process_snapshots"] == 0  # no process usage hours yet
