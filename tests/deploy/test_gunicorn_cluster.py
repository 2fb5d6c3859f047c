"""gunicorn with three workers on the real PostgreSQL: one sampler, every sample to every client.

Each worker LISTENs; the elected sampler NOTIFYs. WebSocket clients are spread over the
workers, and each must receive every sample of a window exactly once and in order. The sampling
worker is then SIGKILLed: another takes over within two intervals, and what the dead worker had
relayed but not yet written is stored by its successor.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections import Counter

import pytest

from storage.engine import make_engine
from storage.store import MetricStore
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.servers import LiveClient, free_port, get_json, gunicorn

INTERVAL = 1.0
HOST = "cluster-host"
WINDOW = 10


def worker_census(port: int, rounds: int = 60) -> dict[int, dict]:
    """Per worker pid, its latest /healthz answer (each request lands on some worker)."""
    seen: dict[int, dict] = {}
    for _ in range(rounds):
        health = get_json(f"http://127.0.0.1:{port}/healthz")
        if health:
            seen[health["pid"]] = health
    return seen


@pytest.fixture
def database_url():
    with temporary_schema() as url:
        yield url


def test_three_workers_one_sampler_every_sample_to_every_client(database_url: str) -> None:
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_WORKERS": "3",
        "MONITOR_INTERVAL": str(INTERVAL),
        "MONITOR_HOSTNAME": HOST,
        "MONITOR_BATCH_INTERVAL": "5",
        "MONITOR_THREADS": "24",
    }
    with gunicorn(port, env) as server:
        wait_for(
            lambda: "seq" in (get_json(f"http://127.0.0.1:{port}/api/v1/latest") or {}),
            timeout=60,
            message=f"first sample\n{server.log()}",
        )
        wait_for(
            lambda: len(worker_census(port, 20)) == 3, timeout=30, message="three workers answering"
        )

        clients: list[LiveClient] = []

        def every_worker_serves_a_client() -> bool:
            clients.append(LiveClient(port))
            census = worker_census(port)
            return len(census) == 3 and all(h["live_clients"] > 0 for h in census.values())

        wait_for(
            every_worker_serves_a_client,
            timeout=60,
            interval=0.05,
            message="a client on every worker",
        )
        census = worker_census(port)
        assert Counter(h["role"] for h in census.values()) == {"sampler": 1, "follower": 2}

        # A window of WINDOW seconds, starting after every client is connected.
        start = time.time() + INTERVAL
        end = start + WINDOW
        wait_for(
            lambda: all(c.timestamps() and c.timestamps()[-1] >= end + INTERVAL for c in clients),
            timeout=WINDOW + 20,
            message="the window",
        )
        expected = [t for t in clients[0].timestamps() if start <= t <= end]
        assert len(expected) >= WINDOW - 1
        for client in clients:
            window = [t for t in client.timestamps() if start <= t <= end]
            assert window == expected  # exactly once, in order, the same for all
        assert all(b - a == INTERVAL for a, b in itertools.pairwise(expected))

        # Kill the sampling worker outright.
        sampler_pid = next(pid for pid, h in census.items() if h["role"] == "sampler")
        killed_at = time.time()
        os.kill(sampler_pid, signal.SIGKILL)
        survivors = [c for c in clients if not c.closed.wait(0)]

        def new_sampler() -> int | None:
            roles = {pid: h["role"] for pid, h in worker_census(port, 10).items()}
            return next((p for p, r in roles.items() if r == "sampler" and p != sampler_pid), None)

        wait_for(new_sampler, timeout=20, message="a new sampler")
        watcher = next(c for c in survivors if not c.closed.is_set())
        wait_for(
            lambda: watcher.timestamps()[-1] >= killed_at + 5 * INTERVAL,
            timeout=20,
            message="samples after the takeover",
        )
        stamps = [t for t in watcher.timestamps() if t >= start]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert max(gaps) <= 2 * INTERVAL, gaps
        assert len(stamps) == len(set(stamps))
        last_seen = watcher.timestamps()[-1]
        for client in clients:
            client.close()
        assert server.terminate() == 0, server.log()

    store = MetricStore(make_engine(database_url))
    frame = store.read_frame(HOST, start, last_seen, ["cpu.total"])
    stored = [t.timestamp() for t in frame.index]
    # Exactly one row per tick: every sample any client saw is stored once, with no hole
    # beyond the takeover's, including those the killed worker had not written yet.
    seen = sorted({t for c in clients for t in c.timestamps() if start <= t <= last_seen})
    assert stored == seen
    store.engine.dispose()
