"""Fixtures for history tests: a store on each real database, and samples with spikes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from storage.engine import make_engine
from storage.store import MetricStore

T0 = 1_764_000_000.0  # 2025-11-24T16:00:00Z, a whole hour


@pytest.fixture
def store(database_url: str) -> Iterator[MetricStore]:
    store = MetricStore(make_engine(database_url), process_snapshot_every=5.0)
    yield store
    store.engine.dispose()


def spiky_samples(
    count: int,
    *,
    host: str = "h1",
    t0: float = T0,
    interval: float = 1.0,
    seed: int = 1,
) -> list[dict[str, Any]]:
    """Samples with noisy values, rare one-sample spikes, missing values and layout changes.

    ``cpu.total`` spikes to 100 (and dips to 0) for single samples; ``load.load1`` is missing
    (None) in every 7th sample; the ``gpus[0].util_pct`` series exists only in every 3rd one.
    """
    rng = np.random.default_rng(seed)
    cpu = rng.uniform(10, 30, count)
    cpu[rng.choice(count, size=max(1, count // 500), replace=False)] = 100.0
    cpu[rng.choice(count, size=max(1, count // 700), replace=False)] = 0.0
    memory = rng.normal(50, 3, count)
    out = []
    for i in range(count):
        sample: dict[str, Any] = {
            "v": 1,
            "host": host,
            "ts": t0 + i * interval,
            "seq": i,
            "cpu": {"total": float(cpu[i]), "per_core": [float(cpu[i]) / 2, float(i % 17)]},
            "memory": {"percent": float(memory[i]), "used": 2**30 + i},
            "load": {"load1": None if i % 7 == 0 else float(i % 13) / 4},
        }
        if i % 3 == 0:
            sample["gpus"] = [{"index": 0, "util_pct": float(i % 101)}]
        if i % 5 == 0:
            proc = {"pid": i, "name": f"p{i}", "user": "u", "cpu": 1.0, "rss": i, "mem": 0.1}
            sample["processes"] = {"total": 10, "top_cpu": [proc], "top_mem": [proc]}
        out.append(sample)
    return out


SERIES = ["cpu.total", "cpu.per_core[0]", "memory.percent", "load.load1", "gpus[0].util_pct"]
