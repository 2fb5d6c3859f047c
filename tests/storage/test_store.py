"""Round trips of every series through the real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import math

import pytest

from storage.engine import make_engine
from storage.series import flatten
from storage.snapshot_reads import snapshot_near
from storage.store import MetricStore
from tests.support.counting import count_samples
from tests.support.samples import make_sample


@pytest.fixture
def store(database_url: str) -> MetricStore:
    store = MetricStore(make_engine(database_url), process_snapshot_every=5.0)
    yield store
    store.engine.dispose()


def test_every_series_round_trips(store: MetricStore) -> None:
    batch = [make_sample(i) for i in range(20)]
    assert store.write_batch(batch).stored == 20
    frame = store.read_frame("test-host", batch[0]["ts"], batch[-1]["ts"])
    assert len(frame) == 20
    assert set(frame.columns) == set().union(*(flatten(sample) for sample in batch))
    for position, sample in enumerate(batch):
        for name, value in flatten(sample).items():
            assert frame[name].iloc[position] == value, name
    assert frame.index[0].timestamp() == batch[0]["ts"]
    assert str(frame.index.tz) == "UTC"


def test_series_covers_every_section(store: MetricStore) -> None:
    store.write_batch([make_sample(1)])
    columns = set(store.read_frame("test-host", 0, 2e9).columns)
    for name in (
        "cpu.total",
        "cpu.per_core[1]",
        "memory.used",
        "load.load1",
        "disks.usage[/].percent",
        "disks.io[sda].read_bps",
        "disks.total.write_bps",
        "network.interfaces[eth0].rx_bps",
        "network.total.tx_bps",
        "sensors.temperatures[coretemp/Package id 0].current",
        "sensors.fans[fan1].rpm",
        "processes.total",
        "processes.counts[running]",
        "gpus[0].util_pct",
        "health.lag_ms",
        "health.collect_ms[cpu]",
    ):
        assert name in columns, name
    assert not any(c.startswith("system.") for c in columns)


def test_changing_layouts_fill_missing_values_with_nan(store: MetricStore) -> None:
    store.write_batch([make_sample(0), make_sample(1, extra_iface=True), make_sample(2)])
    frame = store.read_frame("test-host", 0, 2e9, ["network.interfaces[wlan0].rx_bps", "cpu.total"])
    wlan = frame["network.interfaces[wlan0].rx_bps"].tolist()
    assert math.isnan(wlan[0]) and wlan[1] == 7.0 and math.isnan(wlan[2])
    assert frame["cpu.total"].tolist() == [10.0, 11.0, 12.0]


def test_writes_are_idempotent(store: MetricStore) -> None:
    batch = [make_sample(i) for i in range(5)]
    assert store.write_batch(batch).stored == 5
    assert store.write_batch(batch).stored == 0
    assert count_samples(store) == 5


def test_hosts_are_kept_apart(store: MetricStore) -> None:
    store.write_batch([make_sample(i, host="a") for i in range(3)])
    store.write_batch([make_sample(i, host="b") for i in range(5)])
    assert store.host_names() == ["a", "b"]
    assert count_samples(store, "a") == 3 and count_samples(store, "b") == 5
    assert len(store.read_frame("a", 0, 2e9)) == 3
    info = store.host_info()
    assert info["b"]["system"]["hostname"] == "b"
    assert info["b"]["last_ts"] == make_sample(4)["ts"]


def test_range_bounds_are_inclusive(store: MetricStore) -> None:
    batch = [make_sample(i) for i in range(10)]
    store.write_batch(batch)
    frame = store.read_frame("test-host", batch[2]["ts"], batch[5]["ts"], ["cpu.total"])
    assert frame["cpu.total"].tolist() == [12.0, 13.0, 14.0, 15.0]


def test_process_snapshot_nearest_a_moment(store: MetricStore) -> None:
    batch = [make_sample(i) for i in range(12)]  # snapshots every 5 s: at seq 0, 5, 10
    store.write_batch(batch)
    snapshot = snapshot_near(store, "test-host", batch[6]["ts"] + 0.2)
    assert snapshot is not None
    assert snapshot["ts"] == batch[5]["ts"]
    assert snapshot["top_cpu"][0]["name"] == "proc5"
    assert snapshot_near(store, "test-host", batch[9]["ts"])["ts"] == batch[10]["ts"]
    assert snapshot_near(store, "nobody", batch[9]["ts"]) is None


def test_schema_creation_is_idempotent(database_url: str) -> None:
    for _ in range(2):
        store = MetricStore(make_engine(database_url))
        store.create_schema()
        store.write_batch([make_sample(0)])
        store.engine.dispose()
