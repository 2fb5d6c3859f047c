"""The rollup job: 1m and 1h aggregates equal those pandas computes from the raw samples."""

from __future__ import annotations

import numpy as np
import pandas as pd

from storage.aggregates import Aggregates
from storage.rollups import RollupJob
from storage.store import MetricStore
from storage.tiers import HOUR, MINUTE, Tier, done_until, host_id, read_stored
from tests.history.conftest import SERIES, T0, spiky_samples


def stored(store: MetricStore, tier: Tier, host: str = "h1") -> Aggregates:
    with store.engine.connect() as conn:
        hid = host_id(conn, host)
        return read_stored(conn, store, hid, tier, 0, 2**62, SERIES)


def done(store: MetricStore, tier: Tier, host: str = "h1") -> int | None:
    with store.engine.connect() as conn:
        return done_until(conn, host_id(conn, host), tier)


def expected(store: MetricStore, width: str, end: float, host: str = "h1") -> pd.DataFrame:
    """min/mean/max/count per bucket with pandas, from the raw rows before ``end``."""
    frame = store.read_frame(host, 0, end - 0.001, SERIES)
    grouped = frame.groupby(frame.index.floor(width))
    return pd.concat({s: grouped.agg(s) for s in ("min", "mean", "max", "count")}, axis=1)


def assert_matches(got: Aggregates, want: pd.DataFrame) -> None:
    assert got.ts.tolist() == want.index.as_unit("ms").asi8.tolist()
    for i, name in enumerate(SERIES):
        np.testing.assert_array_equal(got.min[:, i], want["min"][name].to_numpy(), err_msg=name)
        np.testing.assert_array_equal(got.max[:, i], want["max"][name].to_numpy(), err_msg=name)
        np.testing.assert_array_equal(got.count[:, i], want["count"][name].to_numpy(), err_msg=name)
        np.testing.assert_allclose(
            got.mean[:, i], want["mean"][name].to_numpy(), rtol=1e-12, err_msg=name
        )


def test_rollups_equal_pandas_aggregates_of_raw(store: MetricStore) -> None:
    store.write_batch(spiky_samples(3 * 1800, interval=2.0))  # 3 hours, one sample per 2 s
    written = RollupJob(store).run(now=T0 + 3 * 3600 + 5)
    # The newest sample (T0 + 3 h - 2 s) does not complete its minute; hours 1 and 2 are complete.
    assert written == {"1m": 179, "1h": 2, "processes": 2}  # hours with snapshots in them
    assert done(store, MINUTE) == (T0 + 179 * 60) * 1000
    assert done(store, HOUR) == (T0 + 2 * 3600) * 1000
    assert_matches(stored(store, MINUTE), expected(store, "1min", T0 + 179 * 60))
    assert_matches(stored(store, HOUR), expected(store, "1h", T0 + 2 * 3600))
    spikes = stored(store, MINUTE).max[:, 0] == 100.0
    assert spikes.any()  # a single 100 % sample survives in its minute's max


def test_runs_are_idempotent_and_incremental(store: MetricStore) -> None:
    batch = spiky_samples(2 * 3600 + 600, interval=1.0, seed=5)
    job = RollupJob(store)
    store.write_batch(batch[:3000])
    first = job.run(now=batch[2999]["ts"] + 1)
    assert first["1m"] == 49 and first["1h"] == 0
    assert job.run(now=batch[2999]["ts"] + 1) == {"1m": 0, "1h": 0, "processes": 0}
    store.write_batch(batch[3000:])
    job.run(now=batch[-1]["ts"] + 1)
    end = T0 + (len(batch) // 60) * 60 - 60  # the last, incomplete minute is not rolled up
    assert_matches(stored(store, MINUTE), expected(store, "1min", end))
    assert_matches(stored(store, HOUR), expected(store, "1h", T0 + 2 * 3600))


def test_a_quiet_host_is_completed_after_settling(store: MetricStore) -> None:
    batch = spiky_samples(150, interval=1.0)  # 2.5 minutes, then the host stops
    store.write_batch(batch)
    job = RollupJob(store, settle=600)
    assert job.run(now=batch[-1]["ts"] + 60)["1m"] == 2
    assert job.run(now=T0 + 180 + 599)["1m"] == 0  # its end is not settle seconds old yet
    assert job.run(now=T0 + 180 + 600)["1m"] == 1
    assert_matches(stored(store, MINUTE), expected(store, "1min", T0 + 180))
    # Hours follow once their minutes are complete.
    assert job.run(now=T0 + 3600 + 601)["1h"] == 1


def test_gaps_and_hosts_are_handled(store: MetricStore) -> None:
    early = spiky_samples(120, host="a")
    late = spiky_samples(120, host="a", t0=T0 + 5 * 86400, seed=2)  # five days later
    other = spiky_samples(240, host="b", seed=3)
    store.write_batch(early + late + other)
    written = RollupJob(store).run(now=T0 + 5 * 86400 + 120)
    # a: 2 + 1 (its last minute is still open); b went quiet days ago: all of its 4 minutes.
    assert written["1m"] == 2 + 1 + 4
    assert len(stored(store, MINUTE, "a")) == 3
    assert len(stored(store, HOUR, "a")) == 1  # the early hour; the late one is still open
    assert_matches(stored(store, MINUTE, "b"), expected(store, "1min", T0 + 240, "b"))
