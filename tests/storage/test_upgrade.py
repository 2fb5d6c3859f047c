"""A database written by the previous version (0a56344, ``tests/storage/fixtures``) reads back
identically after the upgrade and the background compaction, on SQLite and PostgreSQL: frames,
every tier, views and CSV exports bit for bit, each sample's own series (a stored NaN and a
series a sample lacks kept apart), and the number of samples. Also the PostgreSQL conversion of
the plain blocks table, interrupted and resumed, and retention dropping its partition."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text

import storage.upgrade as upgrade
from storage.aggregates import concat
from storage.blocks import decode_block
from storage.engine import make_engine
from storage.export import export_csv
from storage.history import HistoryReader
from storage.maintenance import HistoryMaintainer
from storage.params import ExportRequest
from storage.retention import RetentionPolicy, enforce_retention
from storage.schema import blocks, samples
from storage.store import MetricStore, to_ms
from storage.tiers import HOUR, MINUTE, RAW, done_until
from storage.tiers import host_id as lookup
from storage.upgrade import backlog, blocks_table_kind, convert_blocks_table
from tests.storage.block_support import assert_same_aggregates, bits
from tests.storage.fixtures.previous import NOW, T0, load_postgres, sqlite_copy
from tests.support.postgres import temporary_schema

START, END = T0 - 3600, NOW + 3600


@pytest.fixture(params=["sqlite", "postgresql"])
def previous_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database as the previous version left it."""
    if request.param == "sqlite":
        yield sqlite_copy(tmp_path)
        return
    with temporary_schema() as url:
        load_postgres(url)
        yield url


def open_store(url: str) -> MetricStore:
    return MetricStore(make_engine(url), process_snapshot_every=5.0)


class Ticks:
    """A timer that advances one second a call."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def sample_series(store: MetricStore) -> dict[tuple[int, int], int]:
    """(host, ts) -> layout id of every stored sample, in a row or in a block."""
    out: dict[tuple[int, int], int] = {}
    with store.engine.connect() as conn:
        for host, ts, layout in conn.execute(
            select(samples.c.host_id, samples.c.ts, samples.c.layout_id)
        ):
            out[(host, ts)] = layout
        for host, layout, data in conn.execute(
            select(blocks.c.host_id, blocks.c.layout_id, blocks.c.data)
        ):
            for ts in decode_block(bytes(data), []).ts:
                out[(host, int(ts))] = layout
    return out


def stored_samples(store: MetricStore) -> int:
    with store.engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(samples)).scalar_one()
        held = conn.execute(select(func.coalesce(func.sum(blocks.c.count), 0))).scalar_one()
    return int(rows) + int(held)


def everything(store: MetricStore) -> dict[str, Any]:
    """What the product reads of each host: frame, each tier, a view, CSV of each tier and of
    the process snapshots."""
    reader = HistoryReader(store)
    out: dict[str, Any] = {"samples": stored_samples(store), "series": sample_series(store)}
    for host in store.host_names():
        names = reader.series_names(host)
        out[f"{host} names"] = names
        out[f"{host} frame"] = store.read_frame(host, START, END)
        with store.engine.connect() as conn:
            hid = reader.host_id(conn, host)
            for tier in (RAW, MINUTE, HOUR):
                parts = reader.iter_tier(conn, hid, tier, to_ms(START), to_ms(END), names, 500)
                out[f"{host} {tier.name}"] = concat(list(parts), names, tier.width_ms)
        out[f"{host} view"] = reader.view(host, names, START, END).data
        for resolution in ("raw", "1m", "1h"):
            request = ExportRequest(host, START, END, tuple(names), resolution)
            out[f"{host} csv {resolution}"] = "".join(export_csv(store, request, chunk_rows=700))
        processes = ExportRequest(host, START, END, (), "raw", kind="processes")
        out[f"{host} csv processes"] = "".join(export_csv(store, processes, chunk_rows=700))
    return out


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert before.keys() == after.keys()
    for key, left in before.items():
        right = after[key]
        if key.endswith("frame"):
            assert list(left.columns) == list(right.columns), key
            assert left.index.equals(right.index), key
            assert np.array_equal(bits(left.to_numpy()), bits(right.to_numpy())), key
        elif hasattr(left, "mean"):
            assert_same_aggregates(left, right)
        else:
            assert left == right, key


def upgrade_in_the_background(url: str, budget: float) -> list[dict[str, Any]]:
    """Maintenance passes at the time the previous version last ran, each by a new process (a
    restart), until compaction is done; their results."""
    results = []
    for _ in range(50):
        store = open_store(url)
        maintainer = HistoryMaintainer(
            store,
            RetentionPolicy(),
            clock=lambda: NOW,
            compact_blocks=True,
            compact_budget=budget,
            timer=Ticks(),
        )
        result = maintainer.run_once()
        store.engine.dispose()
        assert result is not None
        results.append(result)
        if result["compacted"] == 0 and result.get("snapshots_compacted", 0) == 0:
            return results
    raise AssertionError("compaction did not finish")


def test_the_previous_version_reads_back_identically_after_the_upgrade(
    previous_url: str,
) -> None:
    store = open_store(previous_url)
    before = everything(store)  # today's code, on the database as the previous version left it
    assert all(before[f"{h} csv processes"].count("\n") > 100 for h in store.host_names())
    left = backlog(store.engine)
    assert left["blocks"] == 3 and left["rows"] == 2600 - 1300 + 360
    store.engine.dispose()
    results = upgrade_in_the_background(previous_url, budget=3.0)
    # 1300-2199, 2200-2499, 2500 of the first host, 0-299, 300-309 of the second: three
    # seconds a run (a second a tick) are two blocks, or one and a look for the next.
    assert [r["compacted"] for r in results] == [2, 1, 1, 1, 0]
    assert sum(r["compaction"]["samples"] for r in results) == 900 + 300 + 1 + 300 + 10
    after_store = open_store(previous_url)
    assert_same(before, everything(after_store))
    done = backlog(after_store.engine)
    assert done["blocks"] == 8 and done["rows"] == 99 + 50
    if after_store.dialect == "postgresql":
        assert blocks_table_kind(after_store.engine) == "partitioned"
    after_store.engine.dispose()


def partition_names(url: str) -> list[str]:
    store = open_store(url)
    with store.engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = to_regclass('monitor_blocks') ORDER BY c.relname"
            )
        ).scalars()
        found = list(names)
    store.engine.dispose()
    return found


def test_an_interrupted_conversion_leaves_the_plain_table_and_resumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with temporary_schema() as url:
        load_postgres(url)
        store = open_store(url)
        before = everything(store)
        assert blocks_table_kind(store.engine) == "plain"

        def killed(ms: int) -> int:  # renamed, parent created, not yet attached
            raise RuntimeError("killed")

        monkeypatch.setattr(upgrade, "day_of", killed)
        with pytest.raises(RuntimeError, match="killed"):
            convert_blocks_table(store.engine)
        assert blocks_table_kind(store.engine) == "plain"
        assert_same(before, everything(store))
        monkeypatch.undo()
        assert convert_blocks_table(store.engine) is True
        assert convert_blocks_table(store.engine) is False
        assert partition_names(url) == ["monitor_blocks_default", "monitor_blocks_legacy"]
        assert_same(before, everything(store))
        store.engine.dispose()


def test_retention_drops_the_upgraded_partition_whole_and_keeps_what_is_left() -> None:
    with temporary_schema() as url:
        load_postgres(url)
        upgrade_in_the_background(url, budget=60.0)
        store = open_store(url)
        names = ["monitor_blocks_d20251125", "monitor_blocks_d20251126", "monitor_blocks_default"]
        assert partition_names(url) == sorted([*names, "monitor_blocks_legacy"])
        before = everything(store)
        with store.engine.connect() as conn:
            rolled = {h: done_until(conn, lookup(conn, h) or 0, MINUTE) for h in store.host_names()}
        # The legacy partition holds every block up to 2025-11-25 00:00 (T0 + 8 h): the raw
        # age ends an hour after that.
        deleted = enforce_retention(store, RetentionPolicy(raw=3600), T0 + 10 * 3600)
        assert deleted["samples"] == 2600 + 360 - 2  # all but the last minute's two rows
        assert partition_names(url) == names
        after = everything(store)
        for host, done in rolled.items():
            assert done is not None
            for tier in ("1m", "1h"):
                assert_same_aggregates(before[f"{host} {tier}"], after[f"{host} {tier}"])
            frame = before[f"{host} frame"]
            kept = frame[frame.index >= pd.Timestamp(done, unit="ms", tz="UTC")]
            again = after[f"{host} frame"]  # (only the series its remaining samples have)
            assert kept.index.equals(again.index)
            assert kept.drop(columns=list(again.columns)).isna().all().all()
            same = kept[list(again.columns)].to_numpy()
            assert np.array_equal(bits(same), bits(again.to_numpy()))
        assert sum(len(after[f"{host} frame"]) for host in rolled) == 2
        store.engine.dispose()


def test_two_processes_converting_at_once_convert_once() -> None:
    with temporary_schema() as url:
        load_postgres(url)
        stores = [open_store(url) for _ in range(2)]
        before = everything(stores[0])
        start = threading.Barrier(2)

        def convert(store: MetricStore) -> bool:
            start.wait()
            return convert_blocks_table(store.engine)

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(convert, stores))
        assert outcomes == [False, True]
        assert partition_names(url) == ["monitor_blocks_default", "monitor_blocks_legacy"]
        assert_same(before, everything(stores[1]))
        for store in stores:
            store.engine.dispose()
