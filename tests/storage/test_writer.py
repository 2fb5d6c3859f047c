"""The writer against the real databases: batching, outages without loss, flush on shutdown."""

from __future__ import annotations

import pytest

from storage.engine import make_engine
from storage.store import MetricStore
from storage.writer import StorageWriter
from tests.support.counting import count_samples
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.samples import make_sample
from tests.support.tcp_proxy import TcpProxy


class FlakyStore:
    """A real store behind a switch: while ``down`` every write raises, as a dead server would."""

    def __init__(self, store: MetricStore) -> None:
        self.store = store
        self.down = False
        self.batches: list[int] = []

    def write_batch(self, batch: list[dict]) -> int:
        if self.down:
            raise ConnectionError("database unreachable")
        self.batches.append(len(batch))
        return self.store.write_batch(batch)


@pytest.fixture
def store(database_url: str) -> MetricStore:
    store = MetricStore(make_engine(database_url))
    yield store
    store.engine.dispose()


def test_batches_are_written_in_one_go(store: MetricStore) -> None:
    flaky = FlakyStore(store)
    writer = StorageWriter(flaky, batch_interval=3600)
    for i in range(25):
        writer.submit(make_sample(i))
    assert count_samples(store) == 0
    assert writer.write_pending()
    assert flaky.batches == [25]
    assert count_samples(store) == 25
    assert writer.health()["stored_samples"] == 25 and writer.depth == 0


def test_failed_writes_keep_samples_and_retry_with_backoff(store: MetricStore) -> None:
    flaky = FlakyStore(store)
    writer = StorageWriter(flaky, batch_interval=3600, backoff_initial=0.5, backoff_max=4)
    flaky.down = True
    for i in range(10):
        writer.submit(make_sample(i))
    backoffs = []
    for _ in range(5):
        assert not writer.write_pending()
        backoffs.append(writer._backoff)
    assert backoffs == [0.5, 1.0, 2.0, 4.0, 4.0]
    health = writer.health()
    assert health["buffer_depth"] == 10 and health["write_errors"] == 5
    assert not health["storage_ok"] and "unreachable" in health["storage_error"]
    flaky.down = False
    assert writer.write_pending()
    assert count_samples(store) == 10
    assert writer.health()["storage_ok"] and writer._backoff == 0


def test_full_buffer_drops_oldest_and_counts(store: MetricStore) -> None:
    writer = StorageWriter(store, batch_interval=3600, buffer_max=5)
    for i in range(8):
        writer.submit(make_sample(i))
    assert writer.depth == 5 and writer.dropped_samples == 3
    writer.write_pending()
    frame = store.read_frame("test-host", 0, 2e9, ["cpu.total"])
    assert frame["cpu.total"].tolist() == [13.0, 14.0, 15.0, 16.0, 17.0]


def test_stop_flushes_the_buffer(store: MetricStore) -> None:
    writer = StorageWriter(store, batch_interval=3600)
    writer.start()
    for i in range(7):
        writer.submit(make_sample(i))
    assert writer.stop(timeout=10)
    assert count_samples(store) == 7


def test_nothing_lost_across_a_real_postgres_outage() -> None:
    """Cut the writer's TCP path to PostgreSQL, keep sampling, restore it, count the rows."""
    with temporary_schema() as url:
        proxy = TcpProxy(("127.0.0.1", 5432))
        proxy.start()
        proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        store = MetricStore(make_engine(proxied))
        writer = StorageWriter(store, batch_interval=0.05, backoff_initial=0.05, backoff_max=0.2)
        writer.start()
        ticks = 0

        def produce(n: int) -> None:
            nonlocal ticks
            for _ in range(n):
                writer.submit(make_sample(ticks))
                ticks += 1

        produce(10)
        wait_for(lambda: writer.health()["stored_samples"] == 10, message="first 10 stored")
        proxy.cut()
        produce(30)
        wait_for(lambda: writer.health()["write_errors"] >= 2, message="writes failing")
        assert writer.depth == 30
        assert not writer.health()["storage_ok"]
        produce(5)
        proxy.start()
        wait_for(
            lambda: writer.health()["stored_samples"] == 45, timeout=20, message="buffer drained"
        )
        produce(3)
        assert writer.stop(timeout=10)
        direct = MetricStore(make_engine(url))
        assert count_samples(direct) == ticks == 48
        frame = direct.read_frame("test-host", 0, 2e9, ["cpu.total"])
        assert frame.index.is_monotonic_increasing and frame.index.is_unique
        direct.engine.dispose()
        store.engine.dispose()
        proxy.cut()
