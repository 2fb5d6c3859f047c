"""The analysis computations on generated histories whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.changes import rank_changes
from analysis.summary import histogram, summarize, weighted_percentiles
from analysis.usage import ranked
from storage.aggregates import Aggregates
from storage.process_usage import usage

T0_MS = 1_764_000_000_000


def raw(values: np.ndarray, names: list[str] | None = None) -> Aggregates:
    values = values.reshape(len(values), -1)
    names = names or [f"s{i}" for i in range(values.shape[1])]
    ts = T0_MS + 1000 * np.arange(len(values), dtype=np.int64)
    return Aggregates.from_values(names, ts, values.astype(float))


def test_percentiles_on_raw_samples_are_numpy_s() -> None:
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, 10.0, 86_400)
    values[rng.choice(values.size, 500, replace=False)] = np.nan  # missing samples
    values[40_000] = 999.0
    (summary,) = summarize(raw(values))
    held = values[~np.isnan(values)]
    assert summary.exact and summary.count == held.size
    want = np.percentile(held, [50, 95, 99])
    assert [summary.p50, summary.p95, summary.p99] == [float(v) for v in want]
    assert (summary.min, summary.max) == (float(held.min()), 999.0)
    assert summary.mean == pytest.approx(float(held.mean()), rel=1e-12)
    assert summary.max_at == (T0_MS + 40_000_000) / 1000


def test_weighted_percentiles_equal_numpy_on_the_expanded_values() -> None:
    rng = np.random.default_rng(3)
    values, weights = rng.normal(50, 10, 200), rng.integers(1, 60, 200).astype(float)
    expanded = np.repeat(values, weights.astype(int))
    got = weighted_percentiles(values, weights, (5.0, 50.0, 95.0, 99.0))
    assert got == pytest.approx(list(np.percentile(expanded, [5, 50, 95, 99])), rel=1e-12)


def test_on_rollups_the_extremes_stay_exact_and_percentiles_are_marked_approximate() -> None:
    values = np.full(3600, 20.0)
    values[1234] = 100.0  # a one-second spike
    (summary,) = summarize(raw(values).bucket(60_000))
    assert not summary.exact
    assert (summary.count, summary.max, summary.min) == (3600, 100.0, 20.0)
    assert summary.max_at == (T0_MS + 1_200_000) / 1000  # the start of the spike's minute
    assert summary.mean == pytest.approx(float(values.mean()))


def test_histogram_counts_every_sample() -> None:
    values = np.arange(1000, dtype=float)
    shape = histogram(raw(values), 0, bins=10)
    assert shape["counts"] == [100.0] * 10
    assert (shape["edges"][0], shape["edges"][-1]) == (0.0, 999.0)


def test_a_step_in_one_series_among_fifty_ranks_first() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(40, 5, (1200, 50))  # 20 min: 15 baseline, 5 window
    values[900:, 17] += 12.0  # a step of about 2.4 sigma, in the window only
    values[:, 3] = 7.0  # flat all along: scores 0, never a division by zero
    data = raw(values)
    changes = rank_changes(data, T0_MS + 900_000, limit=50)
    assert changes[0].series == "s17"
    assert changes[0].shift == pytest.approx(12.0, abs=1.0)
    assert changes[0].score > 5 * changes[1].score
    flat = next(c for c in changes if c.series == "s3")
    assert flat.score == 0.0
    assert 40 <= len(changes[0].spark) <= 61


def snapshot(pid: int, name: str, cpu: float, rss: int) -> dict:
    row = {"pid": pid, "name": name, "user": "u", "cpu": cpu, "rss": rss, "cmdline": name}
    return {"top_cpu": [row], "top_mem": [row]}


def test_a_process_busy_for_exactly_ten_minutes_used_600_cpu_seconds() -> None:
    snapshots = []
    for i in range(720):  # an hour of snapshots every 5 s
        ts = T0_MS / 1000 + 5 * i
        busy = 120 <= i < 240  # ten minutes at one full core
        rows = [snapshot(42, "burner", 100.0, 2**30)["top_cpu"][0]] if busy else []
        idle = snapshot(1, "init", 0.5, 2**20)["top_cpu"][0]
        snapshots.append((ts, {"top_cpu": [*rows, idle], "top_mem": [idle]}))
    found = usage(snapshots, T0_MS / 1000, T0_MS / 1000 + 3600, gap_cap=15.0)
    top = ranked(found, "cpu_s")
    assert [row["name"] for row in top] == ["burner", "init"]
    assert top[0]["cpu_s"] == pytest.approx(600.0)
    assert (top[0]["top_s"], top[0]["rss_peak"], top[0]["rss_avg"]) == (600.0, 2**30, 2**30)
    assert top[1]["cpu_s"] == pytest.approx(18.0)  # half a percent for an hour
    assert ranked(found, "top_s")[0]["name"] == "init"


def test_downtime_between_snapshots_counts_nothing() -> None:
    times = [0.0, 5.0, 10.0, 10_000.0, 10_005.0]
    found = usage([(t, snapshot(7, "db", 100.0, 1)) for t in times], 0.0, 10_010.0, 15.0)
    assert found["db"].cpu_s == pytest.approx(5 + 5 + 15 + 5 + 5)  # the gap counts 15 s


def test_a_span_cut_in_two_adds_up_to_the_whole() -> None:
    times = [3.0 * i for i in range(100)]
    listed = [(t, snapshot(7, "db", 50.0, 1 << 20)) for t in times]
    whole = usage(listed, 10.0, 250.0, 15.0)["db"]
    parts = [usage([s for s in listed if lo - 15 <= s[0] < hi], lo, hi, 15.0)["db"]
             for lo, hi in ((10.0, 100.0), (100.0, 250.0))]  # fmt: skip
    parts[0].merge(parts[1])
    assert parts[0].cpu_s == pytest.approx(whole.cpu_s) == pytest.approx(120.0)
    assert parts[0].top_s == pytest.approx(240.0)
