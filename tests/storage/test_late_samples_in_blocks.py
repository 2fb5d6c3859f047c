"""A sample written after its time was compacted into a block, on SQLite and PostgreSQL: the
block holds the key, so the same sample again is a duplicate, another sample at that time a
collision (neither stored beside the block), and a sample in a gap of the block's span is
stored and reads back in its place."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np
import pytest

from storage.engine import make_engine
from storage.store import MetricStore
from tests.storage.block_support import (
    T0,
    bits,
    block_spans,
    noisy_samples,
    roll_up_and_compact,
    row_times,
)

MS = int(T0 * 1000)


@pytest.fixture
def store(database_url: str) -> Iterator[MetricStore]:
    store = MetricStore(make_engine(database_url), process_snapshot_every=5.0)
    yield store
    store.engine.dispose()


def compacted(store: MetricStore, batch: list[dict]) -> None:
    store.write_batch(batch)
    assert roll_up_and_compact(store, T0 + 7200) >= 1
    assert block_spans(store)[0][0] == MS


def test_the_same_sample_again_is_a_duplicate_of_its_block(store: MetricStore) -> None:
    batch = noisy_samples(1000)
    compacted(store, batch)
    rows = row_times(store)
    outcome = store.write_batch([batch[5], batch[600], batch[950]])  # two in the block, one row
    assert (outcome.stored, outcome.duplicates, outcome.collisions) == (0, 3, 0)
    assert row_times(store) == rows


def test_another_sample_at_a_compacted_time_collides_and_the_block_wins(
    store: MetricStore,
) -> None:
    batch = noisy_samples(1000)
    compacted(store, batch)
    other = copy.deepcopy(batch[10])
    other["cpu"]["total"] = 99.5  # what a clock stepped back would stamp at a stored time
    outcome = store.write_batch([other])
    assert (outcome.stored, outcome.duplicates, outcome.collisions) == (0, 0, 1)
    stored = store.read_frame("test-host", T0 + 10, T0 + 10, ["cpu.total"])
    assert stored["cpu.total"].tolist() == [batch[10]["cpu"]["total"]]


def test_a_sample_in_a_gap_of_a_block_is_stored_and_reads_in_place(store: MetricStore) -> None:
    batch = noisy_samples(1000)
    missing = batch.pop(300)  # the block's span covers its time, but not the sample
    compacted(store, batch)
    assert block_spans(store)[0][2] == 900
    outcome = store.write_batch([missing])
    assert (outcome.stored, outcome.duplicates, outcome.collisions) == (1, 0, 0)
    assert block_spans(store)[0][:2] == (MS, MS + 900_000)  # 0-900 less 300
    frame = store.read_frame("test-host", T0 + 299, T0 + 301, ["cpu.total", "cpu.user"])
    assert (frame.index.as_unit("ms").asi8 - MS).tolist() == [299_000, 300_000, 301_000]
    expected = [batch[299], missing, batch[300]]
    assert np.array_equal(
        bits(frame["cpu.user"].to_numpy()),
        bits(np.array([s["cpu"]["user"] for s in expected])),
    )
    again = store.write_batch([missing])  # and it is a row now: a duplicate of that row
    assert (again.stored, again.duplicates) == (0, 1)
