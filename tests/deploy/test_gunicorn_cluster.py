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


class Census:
    """What each worker last said on /healthz; requests land on whichever worker accepts, so
    answers accumulate over calls until every worker has been heard."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/healthz"
        self.workers: dict[int, dict] = {}

    def poll(self, requests: int = 20) -> dict[int, dict]:
        for _ in range(requests):
            health = get_json(self.url)
            if health:
                self.workers[health["pid"]] = health
        return self.workers

    def forget(self, pid: int) -> None:
        self.workers.pop(pid, None)


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
        "MONITOR_THREADS": "32",
    }
    with gunicorn(port, env) as server:
        wait_for(
            lambda: "seq" in (get_json(f"http://127.0.0.1:{port}/api/v1/latest") or {}),
            timeout=60,
            message=f"first sample\n{server.log()}",
        )
        census = Census(port)
        wait_for(lambda: len(census.poll()) == 3, timeout=60, message="three workers answering")

        clients: list[LiveClient] = []

        def every_worker_serves_a_client() -> bool:
            clients.append(LiveClient(port))
            workers = census.poll(10)
            return all(h["live_clients"] > 0 for h in workers.values())

        wait_for(
            every_worker_serves_a_client,
            timeout=60,
            interval=0.05,
            message="a client on every worker",
        )
        roles = {pid: h["role"] for pid, h in census.workers.items()}
        assert Counter(roles.values()) == {"sampler": 1, "follower": 2}

        # A window of WINDOW seconds, starting after every client is connected.
        start = time.time() + INTERVAL
        end = start + WINDOW
        wait_for(
            lambda: all(c.timestamps() and c.timestamps()[-1] >= end + INTERVAL for c in clients),
            timeout=WINDOW + 30,
            message="the window",
        )
        expected = [t for t in clients[0].timestamps() if start <= t <= end]
        assert len(expected) >= WINDOW - 1
        for client in clients:
            window = [t for t in client.timestamps() if start <= t <= end]
            assert window == expected  # exactly once, in order, the same for all
        # One slot apart, unless the sampler declared the slots it had to skip (a tick that
        # overran its slot on a loaded machine): no sample is missing without being accounted.
        sampled = [s for s in clients[0].samples if start <= s["ts"] <= end]
        for a, b in itertools.pairwise(sampled):
            slots = 1 + b["health"]["skipped_ticks"] - a["health"]["skipped_ticks"]
            assert round(b["ts"] - a["ts"], 3) == slots * INTERVAL, (a, b)

        # Kill the sampling worker outright.
        sampler_pid = next(pid for pid, role in roles.items() if role == "sampler")
        killed_at = time.time()
        os.kill(sampler_pid, signal.SIGKILL)
        census.forget(sampler_pid)
        wait_for(lambda: any(c.closed.is_set() for c in clients), message="its clients dropped")
        survivors = [c for c in clients if not c.closed.is_set()]
        assert survivors

        def new_sampler() -> bool:
            census.poll(10)
            return any(
                h["role"] == "sampler" and pid != sampler_pid for pid, h in census.workers.items()
            )

        wait_for(new_sampler, timeout=30, message="a new sampler")
        successor = next(p for p, h in census.workers.items() if h["role"] == "sampler")
        watcher = survivors[0]
        wait_for(
            lambda: watcher.timestamps()[-1] >= killed_at + 5 * INTERVAL,
            timeout=30,
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
    # Every sample a surviving client saw is stored, once, including those the killed worker had
    # relayed but not yet written; nothing is stored that nobody saw. (A tick the killed worker
    # took but never relayed died with it: its own clients may have seen it.)
    seen_by_survivors = {t for c in survivors for t in c.timestamps() if start <= t <= last_seen}
    seen_by_anyone = {t for c in clients for t in c.timestamps() if start <= t <= last_seen}
    assert seen_by_survivors <= set(stored) <= seen_by_anyone, (successor, roles, server.log())
    assert stored == sorted(set(stored))
    assert max(b - a for a, b in itertools.pairwise(stored)) <= 2 * INTERVAL
    store.engine.dispose()
