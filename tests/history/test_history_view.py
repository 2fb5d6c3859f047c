"""History views: the tier a range reads, resampling that keeps spikes, zooming to raw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event

from storage.history import (
    HistoryReader,
    UnknownHost,
    choose_tier,
    nice_width_ms,
)
from storage.rollups import RollupJob
from storage.store import MetricStore
from storage.tiers import HOUR, MINUTE, RAW
from tests.history.conftest import SERIES, T0, spiky_samples

HOUR_MS, DAY_MS = 3_600_000, 86_400_000


@pytest.mark.parametrize(
    ("span_ms", "tier"),
    [
        (15 * 60_000, RAW),
        (HOUR_MS, RAW),
        (6 * HOUR_MS, RAW),
        (DAY_MS, MINUTE),
        (7 * DAY_MS, MINUTE),
        (30 * DAY_MS, HOUR),
        (365 * DAY_MS, HOUR),
    ],
)
def test_the_coarsest_tier_with_enough_points(span_ms: int, tier: object) -> None:
    coverage = {"raw": 0, "1m": 0, "1h": 0}
    assert choose_tier(span_ms, 10**12, coverage) is tier


def test_a_tier_whose_data_starts_later_gives_way_to_a_coarser_one() -> None:
    start = 10 * DAY_MS
    coverage = {"raw": 20 * DAY_MS, "1m": 5 * DAY_MS, "1h": 0}
    assert choose_tier(HOUR_MS, start, coverage) is MINUTE  # raw samples are deleted by then
    assert choose_tier(HOUR_MS, 2 * DAY_MS, coverage) is HOUR
    assert choose_tier(HOUR_MS, 2 * DAY_MS, {"raw": None, "1m": None, "1h": None}) is RAW
    # All data starts after the range does; the hour bucket holding the first sample starts
    # earlier only because buckets are floored: that is no reason to draw hours.
    first = 5 * HOUR_MS + 12 * 60_000
    floored = {"raw": first, "1m": first, "1h": 5 * HOUR_MS}
    assert choose_tier(7 * DAY_MS, 0, floored) is MINUTE


def test_nice_widths() -> None:
    assert nice_width_ms(HOUR_MS, 2000, 0) == 2000
    assert nice_width_ms(6 * HOUR_MS, 2000, 0) == 15_000
    assert nice_width_ms(7 * DAY_MS, 2000, 60_000) == 600_000
    assert nice_width_ms(30 * DAY_MS, 2000, HOUR_MS) == HOUR_MS
    assert nice_width_ms(10 * 365 * DAY_MS, 2000, HOUR_MS) == 2 * DAY_MS


def test_short_ranges_are_raw_samples(store: MetricStore) -> None:
    store.write_batch(spiky_samples(1200))
    view = HistoryReader(store).view("h1", SERIES, T0 + 100, T0 + 1000)
    assert view.source is RAW and view.width_ms == 0
    frame = store.read_frame("h1", T0 + 100, T0 + 1000, SERIES)
    np.testing.assert_array_equal(view.data.mean, frame.to_numpy())
    assert view.data.ts[0] == (T0 + 100) * 1000 and view.data.ts[-1] == (T0 + 1000) * 1000


def test_resampling_keeps_every_buckets_min_and_max(store: MetricStore) -> None:
    store.write_batch(spiky_samples(5400, seed=11))
    reader = HistoryReader(store)
    view = reader.view("h1", SERIES, T0, T0 + 5400 - 1)
    assert view.source is RAW and view.width_ms == 5_000 and len(view.data) <= 2000
    frame = store.read_frame("h1", T0, T0 + 5400, SERIES)
    grouped = frame.groupby(frame.index.floor("5s"))
    for i, name in enumerate(SERIES):
        np.testing.assert_array_equal(view.data.min[:, i], grouped[name].min().to_numpy())
        np.testing.assert_array_equal(view.data.max[:, i], grouped[name].max().to_numpy())
    assert view.data.max[:, 0].max() == 100.0 and view.data.min[:, 0].min() == 0.0
    # Zooming into ten minutes reads raw seconds again.
    zoomed = reader.view("h1", SERIES, T0 + 3000, T0 + 3600)
    assert zoomed.width_ms == 0 and len(zoomed.data) == 601


def test_views_read_rollups_and_fill_the_unrolled_tail(store: MetricStore) -> None:
    batch = spiky_samples(26 * 120, interval=30.0, seed=4)  # 26 hours, one sample per 30 s
    store.write_batch(batch)
    reader = HistoryReader(store)
    start, end = T0 + 2 * 3600, T0 + 26 * 3600 - 1
    before = reader.view("h1", SERIES, start, end)  # no rollups yet: built from raw
    RollupJob(store).run(now=batch[-1]["ts"] + 1)
    after = reader.view("h1", SERIES, start, end)  # rollups, and raw for the open minute
    assert before.source is MINUTE and after.source is MINUTE
    assert len(after.data) == 24 * 60
    np.testing.assert_array_equal(after.data.ts, before.data.ts)
    np.testing.assert_array_equal(after.data.min, before.data.min)
    np.testing.assert_array_equal(after.data.max, before.data.max)
    np.testing.assert_array_equal(after.data.count, before.data.count)
    np.testing.assert_allclose(after.data.mean, before.data.mean, rtol=1e-12)
    frame = store.read_frame("h1", start, end, SERIES)
    grouped = frame.groupby(frame.index.floor("1min"))
    np.testing.assert_array_equal(after.data.max[:, 0], grouped["cpu.total"].max().to_numpy())


def test_series_names_and_unknown_hosts(store: MetricStore) -> None:
    batch = spiky_samples(300)
    store.write_batch(batch)
    reader = HistoryReader(store)
    names = reader.series_names("h1")
    assert set(SERIES) <= set(names) and "processes.total" in names
    RollupJob(store).run(now=batch[-1]["ts"] + 1)
    assert reader.series_names("h1") == names
    with pytest.raises(UnknownHost):
        reader.view("nobody", SERIES, T0, T0 + 60)


def test_to_frame_of_a_view(store: MetricStore) -> None:
    store.write_batch(spiky_samples(1200))
    view = HistoryReader(store).view("h1", ["cpu.total"], T0, T0 + 1199, max_points=100)
    frame = view.data.to_frame()
    assert isinstance(frame.index, pd.DatetimeIndex) and len(frame) <= 100
    assert (frame[("cpu.total", "min")] <= frame[("cpu.total", "max")]).all()


def test_empty_stretches_cost_no_queries(store: MetricStore) -> None:
    store.write_batch(spiky_samples(600))  # ten minutes of data, never rolled up
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    years = 5 * 365 * 86400
    view = HistoryReader(store).view("h1", ["cpu.total"], T0 - years, T0 + years)
    assert view.source is HOUR and len(view.data) == 1 and view.data.count[0, 0] == 600
    assert view.data.max[0, 0] == stored_max(store)
    assert len(statements) < 30  # not one query per empty window of ten years


def stored_max(store: MetricStore) -> float:
    return float(store.read_frame("h1", 0, 2e9, ["cpu.total"])["cpu.total"].max())
