"""The first uses of a brand-new SQLite database, from several threads at once.

At start the monitor's threads (history job, writer) and the first HTTP requests all reach
``MetricStore.ensure_schema`` on a database that has no tables yet. Found while fuzzing: the
loser of that race fails with "table monitor_hosts already exists" (an error logged by the
history job, or a 503 on a request) instead of finding the tables made by the winner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from storage.engine import make_engine
from storage.store import MetricStore
from tests.faults.figures import record
from tests.support.counting import count_samples
from tests.support.samples import make_sample

TRIALS = 20
THREADS = 4


def first_uses(store: MetricStore) -> list[Callable[[], object]]:
    """What the process does first: a batch write, the host list, a count, the host info."""
    return [
        lambda: store.write_batch([make_sample(0)]),
        store.host_names,
        lambda: count_samples(store),
        store.host_info,
    ]


def test_concurrent_first_use_of_a_fresh_sqlite_database(tmp_path: Path) -> None:
    failures: list[str] = []
    for trial in range(TRIALS):
        store = MetricStore(make_engine(f"sqlite:///{tmp_path / f'fresh{trial}.db'}"))
        start = threading.Barrier(THREADS)

        def use(call: Callable[[], object], start: threading.Barrier = start) -> None:
            start.wait()
            try:
                call()
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")

        threads = [threading.Thread(target=use, args=(call,)) for call in first_uses(store)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        store.engine.dispose()
    record(
        f"First use of a fresh SQLite database from {THREADS} threads, {TRIALS} times",
        [
            ("calls that failed", f"{len(failures)} of {TRIALS * THREADS}"),
            ("errors", "; ".join(sorted(set(failures))) or "none"),
        ],
    )
    assert failures == []
