"""History blocks in the store: compaction, and every raw read path over rows and blocks.

Two databases get the same samples; one of them is compacted. Everything read back (frames,
history views of each tier, CSV export, analysis summaries, series names, rollups rebuilt from
blocks) must be identical, floats bit for bit, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, select

from analysis.reports import summary_report
from storage.export import export_csv
from storage.history import HistoryReader
from storage.params import ExportRequest
from storage.rollups import RollupJob
from storage.schema import rollup_state, rollups
from storage.series import flatten
from storage.store import MetricStore
from tests.storage.block_support import (
    HOST,
    T0,
    assert_same_aggregates,
    bits,
    block_spans,
    noisy_samples,
    open_store,
    roll_up_and_compact,
    row_times,
    twin_urls,
)

COUNT = 3000
LAST = T0 + COUNT - 1
LATER = LAST + 3600  # the maintenance job's clock: every complete minute is rolled up


@pytest.fixture
def twins(database_url: str, tmp_path: Path) -> Iterator[tuple[MetricStore, MetricStore]]:
    """(compacted, plain): the same samples in two databases, the first one compacted."""
    with twin_urls(database_url, tmp_path) as (first, second):
        compacted, plain = open_store(first), open_store(second)
        batch = noisy_samples(COUNT)
        for store in (compacted, plain):
            for at in range(0, COUNT, 500):
                store.write_batch(batch[at : at + 500])
        RollupJob(plain).run(LATER)
        assert roll_up_and_compact(compacted, LATER) > 0
        yield compacted, plain
        compacted.engine.dispose()
        plain.engine.dispose()


def series_of(store: MetricStore) -> list[str]:
    names = HistoryReader(store).series_names(HOST)
    return [n for n in names if n.startswith(("cpu.", "load.load1", "memory.used", "network.int"))]


def test_blocks_are_cut_at_layout_changes_and_leave_the_unrolled_rows(twins) -> None:
    compacted, _ = twins
    at = int(T0 * 1000)
    starts = [(s - at) // 1000 for s, _, _ in block_spans(compacted)]
    counts = [count for _, _, count in block_spans(compacted)]
    # 900 a block; cut before and after the second interface and around the sample lacking
    # load1; the rows from 2501 on are not a whole run before the rollups' end (minute 49).
    assert list(zip(starts, counts, strict=True)) == [
        (0, 900), (900, 300), (1200, 100), (1300, 900), (2200, 300), (2500, 1),
    ]  # fmt: skip
    assert row_times(compacted) == [at + 1000 * i for i in range(2501, COUNT)]


def test_read_frame_is_identical(twins) -> None:
    compacted, plain = twins
    for start, end, series in (
        (T0, LAST, None),
        (T0 + 450.5, T0 + 1250, None),  # starts and ends inside blocks
        (T0 + 880, T0 + 2600, ["cpu.steal", "network.interfaces[wlan0].rx_bps", "nope"]),
    ):
        left = compacted.read_frame(HOST, start, end, series)
        right = plain.read_frame(HOST, start, end, series)
        assert list(left.columns) == list(right.columns) and left.index.equals(right.index)
        assert np.array_equal(bits(left.to_numpy()), bits(right.to_numpy()))
    frame = compacted.read_frame(HOST, T0, LAST)
    assert len(frame) == COUNT and np.signbit(frame["cpu.steal"].iloc[0])  # -0.0 kept
    assert np.isinf(frame["cpu.steal"].iloc[97]) and np.isnan(frame["load.load1"].iloc[2500])
    assert frame.loc[frame.index[5], "cpu.total"] == flatten(noisy_samples(COUNT)[5])["cpu.total"]


@pytest.mark.parametrize("min_points", [600, 10, 0])  # raw, 1-minute and 1-hour views
def test_history_views_are_identical(twins, min_points: int) -> None:
    compacted, plain = twins
    series = series_of(plain)
    assert series_of(compacted) == series and len(series) > 10
    left_reader, right_reader = HistoryReader(compacted), HistoryReader(plain)
    for start, end in ((T0, LAST), (T0 + 300, T0 + 1000), (T0 + 2400.25, LAST)):
        left = left_reader.view(HOST, series, start, end, min_points=min_points)
        right = right_reader.view(HOST, series, start, end, min_points=min_points)
        assert (left.source, left.width_ms) == (right.source, right.width_ms)
        assert_same_aggregates(left.data, right.data)
        tier, data = left_reader.tier_data(HOST, series, start, end, min_points)
        assert_same_aggregates(
            data, right_reader.tier_data(HOST, series, start, end, min_points)[1]
        )
    with compacted.engine.connect() as conn, plain.engine.connect() as other:
        hid, oid = left_reader.host_id(conn, HOST), right_reader.host_id(other, HOST)
        assert left_reader.coverage(conn, hid) == right_reader.coverage(other, oid)
        for at in (0, int(T0 * 1000) + 450_500, int(T0 * 1000) + 2_500_000):
            assert left_reader.next_data(conn, hid, tier, at) == right_reader.next_data(
                other, oid, tier, at
            )


@pytest.mark.parametrize(("resolution", "layout"), [("raw", "wide"), ("raw", "long"),
                                                    ("1m", "wide"), ("1h", "long")])  # fmt: skip
def test_export_csv_bytes_are_identical(twins, resolution: str, layout: str) -> None:
    compacted, plain = twins
    series = (*series_of(plain), "not.stored")
    request = ExportRequest(HOST, T0 + 100, T0 + 2800, series, resolution, layout, "epoch")
    left = "".join(export_csv(compacted, request, chunk_rows=700)).encode()
    right = "".join(export_csv(plain, request, chunk_rows=700)).encode()
    assert left == right and left.count(b"\n") > 2


def test_analysis_summaries_are_identical(twins) -> None:
    compacted, plain = twins
    series = [n for n in series_of(plain) if n != "cpu.steal"]  # (histograms refuse inf)
    for start, end in ((T0, LAST), (T0 + 1000, T0 + 1400)):
        left = summary_report(compacted, HOST, series, start, end, compare_s=600)
        right = summary_report(plain, HOST, series, start, end, compare_s=600)
        assert json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def test_rollups_rebuilt_from_blocks_are_identical(twins) -> None:
    compacted, plain = twins
    with compacted.engine.begin() as conn:  # forget every rollup: rebuild them from blocks
        conn.execute(delete(rollups))
        conn.execute(delete(rollup_state))
    RollupJob(compacted).run(LATER)

    def stored(store: MetricStore) -> list[tuple]:
        c = rollups.c
        query = select(c.tier, c.bucket, c.n, c.vmin, c.vmean, c.vmax).order_by(c.tier, c.bucket)
        with store.engine.connect() as conn:
            return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in conn.execute(query)]  # fmt: skip

    left, right = stored(compacted), stored(plain)
    assert len(left) > 40 and left == right
