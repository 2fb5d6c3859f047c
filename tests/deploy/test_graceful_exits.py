"""Stops and reloads under gunicorn with five open WebSockets, and an agent's stop.

On SIGTERM, SIGINT and SIGHUP every socket of the stopping worker gets a 1001 close within a
second, the process (on SIGHUP: the old worker) is gone within three seconds, and the stored
rows are exactly the ticks sampled before the signal: the storage buffer (nothing written yet,
batches an hour apart) is flushed on the way out. On a reload with two workers on PostgreSQL
the sampler role passes once, to a new worker: a worker on its way out is never elected.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cluster.pg import connector
from app.cluster.relay import PgListener
from app.hub import LiveHub
from storage.engine import make_engine
from storage.store import MetricStore
from tests.faults.support import descendants
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.servers import LiveClient, Process, free_port, get_json, gunicorn

INTERVAL = 0.5
CLIENTS = 5
CLOSE_WITHIN_S = 1.0
EXIT_WITHIN_S = 3.0
GOING_AWAY = 1001
HOST = "graceful-host"


class ClosingClient(LiveClient):
    """A LiveClient that notes when its connection ended (monotonic) and with which code."""

    def __init__(self, port: int, query: str = "") -> None:
        self.closed_at: float | None = None
        super().__init__(port, query)

    def _read(self) -> None:
        try:
            super()._read()
        finally:
            self.closed_at = time.monotonic()

    @property
    def close_code(self) -> int:
        return int(self.ws.close_reason)


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file or PostgreSQL schema (dropped on the way out)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
    else:
        with temporary_schema() as url:
            yield url


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "MONITOR_DATABASE_URL": database_url,
        "MONITOR_INTERVAL": str(INTERVAL),
        "MONITOR_HOSTNAME": HOST,
        "MONITOR_BATCH_INTERVAL": "3600",  # nothing written before the signal: all buffered
        **extra,
    }


def worker_pids(server: Process) -> set[int]:
    """The master's workers: its children that gunicorn logged as booting (the master's start
    checks run in a short-lived child of their own, app.guard.file_checks)."""
    booted = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", server.log())}
    return descendants(server.popen.pid) & booted


def open_clients(port: int, server: Process) -> list[ClosingClient]:
    """Five streaming clients, once the server samples."""
    url = f"http://127.0.0.1:{port}/api/v1/latest"
    wait_for(lambda: "seq" in (get_json(url) or {}), timeout=90, message=f"samples\n{server.log()}")
    clients = [ClosingClient(port) for _ in range(CLIENTS)]
    wait_for(lambda: all(len(c.samples) >= 3 for c in clients), timeout=30, message="streams")
    return clients


def gone_within(pid: int, since: float, timeout: float = 30.0) -> float | None:
    """Seconds from ``since`` (monotonic) until process ``pid`` is gone (polled every 10 ms),
    None when it is still there ``timeout`` seconds from now."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}") or _zombie(pid):
            return time.monotonic() - since
        threading.Event().wait(0.01)
    return None


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def stored_stamps(database_url: str) -> list[float]:
    store = MetricStore(make_engine(database_url))
    try:
        frame = store.read_frame(HOST, 0, 2e9, ["cpu.total"])
        return [round(t.timestamp(), 3) for t in frame.index]
    finally:
        store.engine.dispose()


def assert_closed_at_once(clients: list[ClosingClient], signalled: float, log: str) -> None:
    wait_for(lambda: all(c.closed_at for c in clients), timeout=10, message=f"closes\n{log}")
    closes = [(c.close_code, round(c.closed_at - signalled, 3)) for c in clients]  # type: ignore[operator]
    assert all(code == GOING_AWAY for code, _ in closes), closes
    assert max(after for _, after in closes) <= CLOSE_WITHIN_S, closes


@pytest.mark.parametrize(
    ("kind", "signum"),
    [("sqlite", signal.SIGTERM), ("postgresql", signal.SIGTERM), ("sqlite", signal.SIGINT)],
    ids=["sqlite-SIGTERM", "postgresql-SIGTERM", "sqlite-SIGINT"],
)
def test_a_stop_closes_every_socket_at_once_and_stores_every_tick(
    kind: str, signum: signal.Signals, tmp_path: Path
) -> None:
    port = free_port()
    with database(kind, tmp_path) as url, gunicorn(port, server_env(url)) as server:
        clients = open_clients(port, server)
        signalled = time.monotonic()
        os.kill(server.popen.pid, signum)
        exited_after = gone_within(server.popen.pid, signalled)
        assert_closed_at_once(clients, signalled, server.log())
        code = server.popen.wait(30)
        log = server.log()
        stored = stored_stamps(url)
    assert exited_after is not None and exited_after <= EXIT_WITHIN_S, (exited_after, log)
    assert code == 0, log
    seen = [round(s["ts"], 3) for s in clients[0].samples]
    assert all([round(s["ts"], 3) for s in c.samples] == seen for c in clients)
    assert stored == seen  # every tick sampled, stored once; nothing else
    assert "Traceback" not in log, log


def test_a_reload_closes_the_old_workers_sockets_and_loses_no_tick(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    port = free_port()
    with gunicorn(port, server_env(url)) as server:
        clients = open_clients(port, server)
        (old,) = worker_pids(server)
        signalled = time.monotonic()
        os.kill(server.popen.pid, signal.SIGHUP)
        old_gone_after = gone_within(old, signalled)
        assert_closed_at_once(clients, signalled, server.log())
        last_old = max(s["ts"] for s in clients[0].samples)
        again = ClosingClient(port, f"?since={last_old}")  # as the page reconnects
        wait_for(lambda: len(again.samples) >= 3, timeout=30, message=f"new\n{server.log()}")
        again.close()
        assert server.terminate() == 0
        log = server.log()
    assert old_gone_after is not None and old_gone_after <= EXIT_WITHIN_S, (old_gone_after, log)
    seen_before = [round(s["ts"], 3) for s in clients[0].samples]
    assert all([round(s["ts"], 3) for s in c.samples] == seen_before for c in clients)
    stored = stored_stamps(url)
    # The old worker's ticks are all stored, and nothing else of its time; the new one's follow.
    assert [t for t in stored if t <= seen_before[-1]] == seen_before, log
    assert len(stored) > len(seen_before)
    assert "Traceback" not in log, log


def test_a_reload_of_two_workers_hands_sampling_over_once(tmp_path: Path) -> None:
    """PostgreSQL, two workers: the old sampler stops at the signal and never competes
    again, nor does the other old worker; one new worker is elected, once."""
    with temporary_schema() as url:
        port = free_port()
        env = server_env(url, MONITOR_WORKERS="2", MONITOR_BATCH_INTERVAL="1")
        with gunicorn(port, env) as server:
            clients = open_clients(port, server)
            old = worker_pids(server)
            wait_for(lambda: elections(server) == 1, timeout=30, message="one sampler")
            signalled = time.monotonic()
            os.kill(server.popen.pid, signal.SIGHUP)
            gone = [gone_within(pid, signalled) for pid in old]
            assert_closed_at_once(clients, signalled, server.log())
            new = wait_for(lambda: (worker_pids(server) - old) or None, message="new workers")
            wait_for(lambda: elections(server) == 2, timeout=30, message=server.log())
            wait_for(
                lambda: samples_after(url, time.time() - 2 * INTERVAL), timeout=30, message="new"
            )
            assert server.terminate() == 0
            log = server.log()
    assert all(after is not None and after <= EXIT_WITHIN_S for after in gone), (gone, log)
    elected = [int(pid) for pid in re.findall(rf"elected to sample {HOST} \(pid (\d+)\)", log)]
    assert len(elected) == 2 and elected[0] in old and elected[1] in new, (elected, log)
    assert "Traceback" not in log, log


def elections(server: Process) -> int:
    return sum(f"elected to sample {HOST} " in line for line in list(server.output))


def samples_after(url: str, ts: float) -> bool:
    return any(t >= ts for t in stored_stamps(url))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_an_agent_stops_within_three_seconds_with_its_buffer_stored(signum: signal.Signals) -> None:
    """The agent relays each sample (NOTIFY): what this test hears is what it sampled."""
    with temporary_schema() as url:
        hub = LiveHub()
        hub.watched.watch(HOST)  # whole samples reach only those who watch their host
        listener = PgListener(connector(make_engine(url)), hub)
        listener.start()
        args = [sys.executable, "-m", "app", "agent", "--database-url", url]
        args += ["--hostname", HOST, "--interval", str(INTERVAL)]
        try:
            wait_for(listener.listening.is_set, timeout=30, message="listening")
            with Process(args, {"MONITOR_BATCH_INTERVAL": "3600"}) as process:
                wait_for(lambda: len(hub.backlog()) >= 4, timeout=60, message=process.log())
                signalled = time.monotonic()
                os.kill(process.popen.pid, signum)
                exited_after = gone_within(process.popen.pid, signalled)
                code = process.popen.wait(30)
        finally:
            listener.stop()
        relayed = [round(m.ts, 3) for m in hub.backlog()]
        stamps = stored_stamps(url)
    assert exited_after is not None and exited_after <= EXIT_WITHIN_S, exited_after
    assert code == 0, process.log()
    # Every relayed tick is stored (the last one may be stored without having been relayed).
    assert stamps[: len(relayed)] == relayed and len(stamps) <= len(relayed) + 1, (stamps, relayed)
