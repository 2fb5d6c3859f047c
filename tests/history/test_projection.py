"""Raw reads of a few series: PostgreSQL cuts their bytes out server-side; both agree with
whole-row decoding, across layout changes and layouts the query did not know about."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from storage.aggregates import Aggregates, concat
from storage.projection import (
    projected_raw_query,
    projected_rollup_query,
    projected_rows_to_aggregates,
    stored_layouts,
)
from storage.rollups import RollupJob
from storage.schema import layouts
from storage.store import MetricStore
from storage.tiers import MINUTE, RAW, host_id, read_stored, stream_rows, stream_stored
from tests.history.conftest import T0, spiky_samples

WANTED = ["gpus[0].util_pct", "cpu.total", "no.such.series", "cpu.per_core[0]", "cpu.per_core[1]"]


def test_streamed_raw_reads_equal_the_stored_rows(store: MetricStore) -> None:
    batch = spiky_samples(500)
    for sample in batch[200:300]:
        sample["cpu"]["per_core"].append(1.0)  # another layout for a while
    store.write_batch(batch)
    want = store.read_frame("h1", T0, T0 + 499, WANTED).to_numpy()
    with store.engine.connect() as conn:
        hid = host_id(conn, "h1")
        chunks = list(stream_stored(conn, store, hid, RAW, 0, 2**62, WANTED, 64))
        got = concat(chunks, WANTED, 0)
        np.testing.assert_array_equal(got.mean, want)
        assert len(chunks) == 8
        if store.dialect == "postgresql":  # rows of layouts unknown to the query come whole
            ids = set(conn.execute(select(layouts.c.id)).scalars())
            assert len(ids) >= 3
            some = dict([min(store.layout_names(conn, ids).items())])
            for known in ({}, some):
                query, cut = projected_raw_query(conn, hid, 0, 2**62, WANTED, known)
                rows = [r for chunk in stream_rows(conn, query, 1000) for r in chunk]
                got = projected_rows_to_aggregates(conn, store, rows, WANTED, cut)
                np.testing.assert_array_equal(got.mean, want)


def test_streamed_rollup_reads_equal_whole_rows(store: MetricStore) -> None:
    batch = spiky_samples(1200)
    for sample in batch[300:700]:
        sample["cpu"]["per_core"].append(1.0)
    store.write_batch(batch)
    RollupJob(store).run(now=batch[-1]["ts"] + 1)
    with store.engine.connect() as conn:
        hid = host_id(conn, "h1")
        whole = read_stored(conn, store, hid, MINUTE, 0, 2**62, None).select(WANTED)
        chunks = list(stream_stored(conn, store, hid, MINUTE, 0, 2**62, WANTED, 7))
        assert_same(concat(chunks, WANTED, MINUTE.width_ms), whole)
        if store.dialect == "postgresql":  # layouts the query did not know come whole
            for known in ({}, dict([min(stored_layouts(conn).items())])):
                query, cut = projected_rollup_query(conn, hid, 60, 0, 2**62, WANTED, known)
                rows = [r for chunk in stream_rows(conn, query, 1000) for r in chunk]
                got = projected_rows_to_aggregates(conn, store, rows, WANTED, cut, 60_000)
                assert_same(got, whole)


def assert_same(got: Aggregates, want: Aggregates) -> None:
    np.testing.assert_array_equal(got.ts, want.ts)
    for stat in ("count", "min", "mean", "max"):
        np.testing.assert_array_equal(getattr(got, stat), getattr(want, stat), err_msg=stat)
