"""Benchmark: what one agent transaction costs by the way it gets its connection.

Run: ``.venv/bin/python -m bench.connect_cost [--rounds 300]``

One transaction is what an agent's relay does each second: ``SELECT pg_notify(...)`` with a
2 KB payload, then ``COMMIT``. It is done ``--rounds`` times each way:

- ``kept``: on one connection kept open (what an agent did before: a session per agent);
- ``pooled``: through a throwaway PgBouncer in transaction pooling mode, the client connection
  kept open (what an agent does now: no server session of its own);
- ``connect each``: a fresh direct connection for each transaction, closed after (no idle
  session either, but a new server backend each time).

Reported per transaction: wall time, this process's CPU, and the server backend's CPU (read
from /proc/PID/stat of the backend just before it is closed, so a new backend's start is
counted; for the kept and pooled ways, the CPU the backends used over all the rounds).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import psycopg2

from bench.common import PG_URL, machine, pg_database, table
from bench.pg_watch import backend_cpu

PAYLOAD = "x" * 2000


def notify(connection: Any) -> int:
    """One relay transaction; the pid of the backend that ran it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify('bench_connect_cost', %s), pg_backend_pid()", (PAYLOAD,))
        pid = cursor.fetchone()[1]
    connection.commit()
    return int(pid)


def backends_cpu(pids: set[int]) -> float:
    return sum(backend_cpu(pid) or 0.0 for pid in pids)


def on_one(url: str, rounds: int) -> tuple[float, float]:
    """(seconds, server CPU seconds) of ``rounds`` transactions on one client connection."""
    connection = psycopg2.connect(url)
    pids = {notify(connection)}  # the connection's first use, outside the measure
    before = backends_cpu(pids)
    started = time.perf_counter()
    for _ in range(rounds):
        pids.add(notify(connection))
    took = time.perf_counter() - started
    server = backends_cpu(pids) - before  # (a backend new in the loop counts from zero)
    connection.close()
    return took, server


def connect_each(url: str, rounds: int) -> tuple[float, float]:
    """(seconds, server CPU seconds) of ``rounds`` transactions on a fresh connection each."""
    server = 0.0
    started = time.perf_counter()
    for _ in range(rounds):
        connection = psycopg2.connect(url)
        server += backend_cpu(notify(connection)) or 0.0
        connection.close()
    return time.perf_counter() - started, server


def measure(way: Callable[[str, int], tuple[float, float]], url: str, rounds: int) -> list[str]:
    cpu = time.process_time()
    took, server = way(url, rounds)
    client = time.process_time() - cpu
    return [f"{seconds / rounds * 1000:.2f} ms" for seconds in (took, client, server)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--database-url", default=PG_URL.split("?", 1)[0])
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    from tests.support.pgbouncer import pgbouncer

    with pg_database(args.database_url) as url, pgbouncer(url) as pooled:
        rows = [
            ["kept (a session per agent)", *measure(on_one, url, args.rounds)],
            ["pooled (PgBouncer, transaction mode)", *measure(on_one, pooled, args.rounds)],
            ["connect each (direct, no pooler)", *measure(connect_each, url, args.rounds)],
        ]
    print(f"machine: {machine()}\n{args.rounds} relay transactions each way\n")
    headers = ["connection", "wall per transaction", "client CPU", "server CPU"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
