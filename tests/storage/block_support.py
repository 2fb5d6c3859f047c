"""Helpers of the history-block store tests: noisy real-shaped samples, twin stores, compaction
at an injected time, and bit-for-bit comparisons."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from storage.aggregates import Aggregates
from storage.compaction import BlockCompactor
from storage.engine import make_engine
from storage.rollups import RollupJob
from storage.schema import blocks, samples
from storage.store import MetricStore
from tests.support.postgres import temporary_schema
from tests.support.samples import make_sample

T0 = 1_764_000_000.0  # a whole hour
HOST = "test-host"
CHANGED = range(1200, 1300)  # samples with a second interface: another layout
LACKING = 2500  # a sample without load.load1 (None): another layout for one sample


def noisy_samples(count: int, *, seed: int = 7, t0: float = T0) -> list[dict[str, Any]]:
    """``make_sample`` at 1 Hz with noisy values (percentages to one decimal, byte counts that
    walk, rates), -0.0 and inf now and then, and two layout changes (``CHANGED``, ``LACKING``)."""
    rng = np.random.default_rng(seed)
    used = 8 * 2**30 + np.cumsum(rng.integers(-4096, 4096, count))
    out = []
    for i in range(count):
        sample = make_sample(i, ts0=t0, extra_iface=i in CHANGED)
        sample["cpu"]["total"] = round(float(rng.uniform(0, 100)), 1)
        sample["cpu"]["user"] = float(rng.normal(20, 5))
        sample["cpu"]["steal"] = -0.0 if i % 11 == 0 else (float("inf") if i % 97 == 0 else 0.0)
        sample["memory"]["used"] = int(used[i])
        sample["network"]["interfaces"][0]["rx_bps"] = float(rng.integers(0, 10**6))
        if i == LACKING:
            sample["load"]["load1"] = None
        out.append(sample)
    return out


@contextmanager
def twin_urls(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``database_url`` and a second, empty database of the same kind."""
    if database_url.startswith("sqlite"):
        yield database_url, f"sqlite:///{tmp_path / 'twin.db'}"
        return
    with temporary_schema() as other:
        yield database_url, other


def open_store(url: str) -> MetricStore:
    return MetricStore(make_engine(url), process_snapshot_every=5.0)


def roll_up_and_compact(store: MetricStore, now: float, **options: Any) -> int:
    """Rolls ``store`` up as of ``now`` and compacts it until nothing is due; blocks written."""
    RollupJob(store).run(now)
    compactor = BlockCompactor(store, **options)
    total = 0
    while written := compactor.run(now):
        total += written
    return total


def block_spans(store: MetricStore) -> list[tuple[int, int, int]]:
    """(start_ts, end_ts, count) of every block, by time."""
    with store.engine.connect() as conn:
        query = select(blocks.c.start_ts, blocks.c.end_ts, blocks.c.count).order_by("start_ts")
        return [tuple(row) for row in conn.execute(query)]


def row_times(store: MetricStore) -> list[int]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(samples.c.ts).order_by(samples.c.ts)).scalars())


def payload_bytes(store: MetricStore) -> tuple[int, int]:
    """Bytes of the samples' packed values and of the blocks' blobs."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(func.sum(func.length(samples.c.data)))).scalar() or 0
        held = conn.execute(select(func.sum(func.length(blocks.c.data)))).scalar() or 0
    return int(rows), int(held)


def bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)


def assert_same_aggregates(left: Aggregates, right: Aggregates) -> None:
    """Equal names, times, width and every float bit for bit (NaN payloads, -0.0 included)."""
    assert left.names == right.names
    assert left.width_ms == right.width_ms
    assert np.array_equal(left.ts, right.ts)
    for stat in ("count", "min", "mean", "max"):
        assert np.array_equal(bits(getattr(left, stat)), bits(getattr(right, stat))), stat
