"""Resampling into buckets keeps every bucket's min and max, and combines exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storage.aggregates import Aggregates, concat


def raw(ts_s: np.ndarray, values: np.ndarray, names: list[str]) -> Aggregates:
    return Aggregates.from_values(names, (ts_s * 1000).astype(np.int64), values)


def pandas_buckets(ts_s: np.ndarray, values: np.ndarray, width_s: int) -> pd.DataFrame:
    frame = pd.DataFrame(values, index=pd.to_datetime(ts_s, unit="s", utc=True))
    grouped = frame.groupby(frame.index.floor(f"{width_s}s"))
    return pd.concat({s: grouped.agg(s) for s in ("min", "mean", "max", "count")}, axis=1)


def test_buckets_keep_min_max_and_match_pandas() -> None:
    rng = np.random.default_rng(7)
    ts = np.arange(0, 10_000, dtype=float) + 1_700_000_000
    values = rng.normal(0, 1, (ts.size, 3))
    values[rng.choice(ts.size, 40), 0] = 1e6  # single-sample spikes
    values[rng.choice(ts.size, 40), 1] = -1e6
    values[rng.choice(ts.size, 500), 2] = np.nan
    bucketed = raw(ts, values, ["a", "b", "c"]).bucket(60_000)
    expected = pandas_buckets(ts, values, 60)
    assert bucketed.ts.tolist() == expected.index.as_unit("ms").asi8.tolist()
    for stat, got in (
        ("min", bucketed.min),
        ("max", bucketed.max),
        ("count", bucketed.count),
    ):
        np.testing.assert_array_equal(got, expected[stat].to_numpy(), err_msg=stat)
    np.testing.assert_allclose(bucketed.mean, expected["mean"].to_numpy(), rtol=1e-12)
    assert (bucketed.max[:, 0] == 1e6).sum() == len({int(t) // 60 for t in ts[values[:, 0] == 1e6]})


def test_combining_buckets_equals_bucketing_raw() -> None:
    rng = np.random.default_rng(3)
    ts = np.sort(rng.choice(np.arange(0, 7200 * 3), 9000, replace=False)).astype(float)
    values = rng.uniform(-5, 5, (ts.size, 2))
    values[rng.choice(ts.size, 300), 1] = np.nan
    samples = raw(ts, values, ["x", "y"])
    via_minutes = samples.bucket(60_000).bucket(3_600_000)
    direct = samples.bucket(3_600_000)
    np.testing.assert_array_equal(via_minutes.ts, direct.ts)
    np.testing.assert_array_equal(via_minutes.min, direct.min)
    np.testing.assert_array_equal(via_minutes.max, direct.max)
    np.testing.assert_array_equal(via_minutes.count, direct.count)
    np.testing.assert_allclose(via_minutes.mean, direct.mean, rtol=1e-12)


def test_empty_cells_and_selection() -> None:
    ts = np.array([0.0, 1.0, 61.0])
    values = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])
    bucketed = raw(ts, values, ["a", "b"]).bucket(60_000)
    assert bucketed.count.tolist() == [[2.0, 0.0], [0.0, 0.0]]
    assert bucketed.mean[0, 0] == 2.0 and np.isnan(bucketed.mean[0, 1])
    assert np.isnan(bucketed.min[1]).all() and np.isnan(bucketed.max[1]).all()
    picked = bucketed.select(["b", "zzz", "a"])
    assert picked.names == ["b", "zzz", "a"]
    assert picked.count[:, 1].tolist() == [0.0, 0.0] and picked.max[0, 2] == 3.0


def test_concat_and_frame() -> None:
    first = raw(np.array([0.0, 1.0]), np.array([[1.0], [2.0]]), ["a"])
    second = raw(np.array([2.0]), np.array([[5.0]]), ["b"])
    joined = concat([first, second], ["a", "b"], 0)
    assert joined.ts.tolist() == [0, 1000, 2000]
    frame = joined.to_frame()
    assert frame[("a", "max")].tolist()[:2] == [1.0, 2.0]
    assert frame[("b", "count")].tolist() == [0.0, 0.0, 1.0]
    assert str(frame.index.tz) == "UTC"
    assert len(concat([], ["a"], 0)) == 0


@pytest.mark.parametrize("width_ms", [1000, 5000, 60_000, 3_600_000])
def test_bucket_starts_are_epoch_aligned(width_ms: int) -> None:
    ts = np.arange(1_700_000_123, 1_700_090_000, 7, dtype=float)
    bucketed = raw(ts, np.ones((ts.size, 1)), ["a"]).bucket(width_ms)
    assert (bucketed.ts % width_ms == 0).all()
    assert bucketed.count.sum() == ts.size
