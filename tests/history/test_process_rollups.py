"""Process usage rolled up by the hour answers as the snapshots do, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from analysis.usage import ranked
from storage.process_rollups import read_usage
from storage.process_series import process_series
from storage.rollups import RollupJob
from storage.store import MetricStore
from tests.history.conftest import T0

HOURS = 3


def samples(count: int) -> list[dict]:
    """1 Hz samples; "burner" takes a whole core from minute 50 to minute 70, "init" a bit."""
    out = []
    for i in range(count):
        busy = 3000 <= i < 4200
        rows = [{"pid": 42, "name": "burner", "user": "u", "cpu": 100.0, "rss": 1 << 30}] * busy
        idle = {"pid": 1, "name": "init", "user": "root", "cpu": 1.0, "rss": 1 << 20}
        out.append({
            "v": 1, "host": "h1", "ts": T0 + i, "seq": i, "cpu": {"total": 10.0},
            "processes": {"total": 2, "top_cpu": [*rows, idle], "top_mem": [idle]},
        })  # fmt: skip
    return out


def test_hours_rolled_up_answer_as_the_snapshots_do(store: MetricStore) -> None:
    store.write_batch(samples(HOURS * 3600 + 60))
    before = read_usage(store, "h1", T0 + 1800, T0 + 3 * 3600 - 600)  # nothing rolled up yet
    written = RollupJob(store, settle=0).run(T0 + HOURS * 3600 + 60)
    assert written["processes"] == HOURS
    after = read_usage(store, "h1", T0 + 1800, T0 + 3 * 3600 - 600)  # one whole hour, two edges
    for name in ("burner", "init"):
        assert after[name].cpu_s == pytest.approx(before[name].cpu_s)
        assert after[name].top_s == pytest.approx(before[name].top_s)
    top = ranked(after)
    assert top[0]["name"] == "burner" and top[0]["cpu_s"] == pytest.approx(1200.0)
    assert top[0]["rss_peak"] == 1 << 30 and top[1]["pids"] == 1
    assert RollupJob(store, settle=0).run(T0 + HOURS * 3600 + 60)["processes"] == 0  # idempotent


def test_one_name_over_the_range_from_snapshots_and_from_hours(store: MetricStore) -> None:
    store.write_batch(samples(HOURS * 3600 + 60))
    short = process_series(store, "h1", "burner", T0 + 2990, T0 + 3020)
    assert short["resolution"] == "snapshot" and short["ts"][0] == T0 + 2990
    assert short["cpu"] == [None, None, 100.0, 100.0, 100.0, 100.0]  # listed from T0 + 3000
    assert short["rss"][2] == 1 << 30
    RollupJob(store, settle=0).run(T0 + HOURS * 3600 + 60)
    hours = process_series(store, "h1", "burner", T0, T0 + 3 * 3600 + 1800)  # 3.5 hours
    assert hours["resolution"] == "snapshot"
    long = process_series(store, "h1", "init", T0 - 5 * 3600, T0 + 3 * 3600)
    assert long["resolution"] == "1h" and long["ts"][-3:] == [T0, T0 + 3600, T0 + 7200]
    assert long["cpu"][-3:] == pytest.approx([1.0, 1.0, 1.0])  # 1 % of a core all along


def test_usage_by_part_reads_once_and_equals_each_part_alone() -> None:
    """Snapshots with gaps (downtime over the cap) and uneven steps, cut into hours and odd
    parts: each part's usage from the one pass equals that part's own usage, and the stream
    is read once, lazily (a generator)."""
    import random

    from storage.process_usage import usage, usage_by_part

    rng = random.Random(7)
    ts, snapshots = 0.0, []
    for _ in range(2000):
        ts += rng.choice((5.0, 5.0, 4.5, 40.0))
        row = {"pid": rng.randint(1, 5), "name": f"p{rng.randint(1, 3)}", "cpu": rng.random() * 90,
               "rss": rng.randint(1, 9) * 2**20}  # fmt: skip
        snapshots.append((ts, {"top_cpu": [row], "top_mem": []}))
    edges = [0.0, 3600.0, 7200.0, 7201.5, 9000.0, ts + 30]
    reads = []

    def stream():
        for snapshot in snapshots:
            reads.append(snapshot[0])
            yield snapshot

    parts = usage_by_part(stream(), edges, 15.0)
    assert reads == [s[0] for s in snapshots]
    for i, part in enumerate(parts):
        alone = usage(snapshots, edges[i], edges[i + 1], 15.0)
        assert part.keys() == alone.keys()
        for name in part:
            assert part[name].cpu_s == pytest.approx(alone[name].cpu_s)
            assert part[name].top_s == pytest.approx(alone[name].top_s)
            assert part[name].rss_peak == alone[name].rss_peak
