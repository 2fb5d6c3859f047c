"""Process snapshots in blocks: the codec, and on SQLite and PostgreSQL a compacted store that
reads, exports and rolls up exactly as one that kept rows; retention, late snapshots, bytes."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.engine import make_engine
from storage.export import export_csv
from storage.params import ExportRequest
from storage.process_rollups import roll_up_processes
from storage.retention import RetentionPolicy, enforce_retention
from storage.schema import process_snapshots, snapshot_blocks
from storage.snapshot_blocks import decode_snapshots, encode_snapshots
from storage.snapshot_compaction import SnapshotCompactor
from storage.snapshot_reads import iter_snapshots, snapshot_near
from storage.store import MetricStore
from storage.tiers import host_id
from tests.storage.block_support import HOST, T0, noisy_samples, open_store, twin_urls

COUNT = 2000  # 400 snapshots at one every 5 s: two blocks of 180 and 40 rows


def busy_samples(count: int) -> list[dict]:
    """``noisy_samples`` whose top processes change from one sample to the next."""
    samples = noisy_samples(count)
    for i, sample in enumerate(samples):
        proc = sample["processes"]["top_cpu"][0]
        listed = [dict(proc, pid=100 + (i + k) % 7, cpu=float(i % 13 + k)) for k in range(5)]
        sample["processes"]["top_cpu"] = listed
        sample["processes"]["top_mem"] = list(reversed(listed))
    return samples


@pytest.fixture
def twins(database_url: str, tmp_path: Path) -> Iterator[tuple[MetricStore, MetricStore]]:
    """A store that keeps snapshot rows and one whose snapshots are compacted, same samples."""
    with twin_urls(database_url, tmp_path) as (first, second):
        rows, held = open_store(first), open_store(second)
        batch = busy_samples(COUNT)
        rows.write_batch(batch)
        held.write_batch(batch)
        compactor = SnapshotCompactor(held, horizon=600)
        assert compactor.run(T0 + 7200) == 2
        assert compactor.run(T0 + 7200) == 0  # the rest is no whole block yet
        yield rows, held
        rows.engine.dispose()
        held.engine.dispose()


def counts(store: MetricStore) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(process_snapshots)).scalar_one(),
            conn.execute(select(func.count()).select_from(snapshot_blocks)).scalar_one(),
        )


def test_the_codec_round_trips_and_names_damage() -> None:
    documents = [b'{"top_cpu": []}', b"", '{"name": "caf\u00e9"}'.encode()]
    data = encode_snapshots([5, 10, 20], documents)
    assert decode_snapshots(data) == list(zip([5, 10, 20], documents, strict=True))
    with pytest.raises(ValueError, match="strictly increase"):
        encode_snapshots([5, 5], [b"a", b"b"])
    with pytest.raises(ValueError, match="2 times for 1"):
        encode_snapshots([5, 6], [b"a"])
    with pytest.raises(ValueError, match="CRC-32"):
        decode_snapshots(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ValueError, match="truncated"):
        decode_snapshots(data[:5])
    with pytest.raises(ValueError, match="not a snapshot block"):
        decode_snapshots(b"XX" + data[2:])


def test_reads_are_the_same_from_blocks(twins: tuple[MetricStore, MetricStore]) -> None:
    rows, held = twins
    assert counts(rows) == (400, 0) and counts(held) == (40, 2)
    for start, end in ((T0, T0 + COUNT), (T0 + 899, T0 + 901), (T0 + 1795, T0 + 1810)):
        for previous in (False, True):
            expected = list(iter_snapshots(rows, HOST, start, end, previous=previous))
            assert list(iter_snapshots(held, HOST, start, end, previous=previous)) == expected
    later = iter_snapshots(held, HOST, T0 + 5000, T0 + 6000, previous=True)
    assert next(later)[0] == T0 + 1995  # the newest row, after the blocks


def test_the_snapshot_nearest_a_moment_is_the_same(twins: tuple[MetricStore, MetricStore]) -> None:
    rows, held = twins
    moments = [T0 - 50, T0, T0 + 2.4, T0 + 2.6, T0 + 893, T0 + 897.5, T0 + 898, T0 + 1797]
    moments += [T0 + 1798.1, T0 + 1800, T0 + 1996, T0 + 9000]
    for at in moments:
        expected = snapshot_near(rows, HOST, at)
        assert expected is not None
        assert snapshot_near(held, HOST, at) == expected, at
    assert snapshot_near(held, "nobody", T0) is None


def test_export_and_process_rollups_are_the_same(twins: tuple[MetricStore, MetricStore]) -> None:
    rows, held = twins
    request = ExportRequest(HOST, T0, T0 + COUNT, (), "raw", kind="processes")
    texts = ["".join(export_csv(store, request, chunk_rows=50)) for store in twins]
    assert texts[0] == texts[1] and texts[0].count("\n") == 1 + 400 * 10
    for store in twins:
        with store.engine.connect() as conn:
            host = host_id(conn, HOST)
        assert host is not None
        roll_up_processes(store, host, HOST, int((T0 + COUNT) * 1000))
    usage = [
        list(itertools.islice(iter_snapshots(store, HOST, T0, T0 + COUNT), 3)) for store in twins
    ]
    assert usage[0] == usage[1]
    with rows.engine.connect() as a, held.engine.connect() as b:
        query = "SELECT bucket, data FROM monitor_process_usage ORDER BY bucket"
        assert a.exec_driver_sql(query).all() == b.exec_driver_sql(query).all()


def test_a_late_snapshot_at_a_held_time_is_not_stored(
    twins: tuple[MetricStore, MetricStore],
) -> None:
    _, held = twins
    late = copy.deepcopy(busy_samples(20)[10])  # a snapshot time (T0 + 10) inside block one
    late["processes"]["top_cpu"][0]["name"] = "intruder"
    fresh = MetricStore(held.engine, process_snapshot_every=5.0)  # no memory of the last one
    fresh.write_batch([late])
    assert counts(held) == (40, 2)
    names = {
        p["name"] for _, s in iter_snapshots(held, HOST, T0 + 10, T0 + 11) for p in s["top_cpu"]
    }
    assert "intruder" not in names


def test_retention_deletes_whole_blocks_past_the_cutoff(
    twins: tuple[MetricStore, MetricStore],
) -> None:
    _, held = twins
    with held.engine.connect() as conn:
        host = host_id(conn, HOST)
    assert host is not None
    roll_up_processes(held, host, HOST, int((T0 + 3600) * 1000))
    # The raw age ends inside block two (T0 + 900 ... T0 + 1795): only block one goes.
    deleted = enforce_retention(held, RetentionPolicy(raw=3600), T0 + 1000 + 3600)
    assert deleted["snapshot_blocks"] == 1
    assert counts(held) == (40, 1)
    assert next(iter_snapshots(held, HOST, T0, T0 + COUNT))[0] == T0 + 900


def test_blocks_take_a_fraction_of_the_rows_bytes(twins: tuple[MetricStore, MetricStore]) -> None:
    rows, held = twins
    with rows.engine.connect() as a, held.engine.connect() as b:
        before = a.execute(
            select(func.sum(func.length(process_snapshots.c.data))).where(
                process_snapshots.c.ts < int((T0 + 1800) * 1000)
            )
        ).scalar_one()
        after = b.execute(select(func.sum(func.length(snapshot_blocks.c.data)))).scalar_one()
    assert after * 3 < before  # 360 small snapshots: under a third of their rows' bytes


def test_the_maintenance_job_compacts_snapshots_too(database_url: str) -> None:
    from storage.maintenance import HistoryMaintainer

    store = MetricStore(make_engine(database_url), process_snapshot_every=5.0)
    store.write_batch(busy_samples(COUNT))
    job = HistoryMaintainer(store, RetentionPolicy(), clock=lambda: T0 + 7200, compact_blocks=True)
    assert job.run_once()["snapshots_compacted"] == 2  # type: ignore[index]
    assert counts(store) == (40, 2)
    store.engine.dispose()
