"""Benchmark: a fleet of simulated agents at 1 Hz into one PostgreSQL, through PgBouncer.

Run: ``.venv/bin/python -m bench.fleet [--hosts 200] [--seconds 30] [--pool-size 10]``

A child process simulates the hosts (``bench.fleet_hosts``): each is an agent's storage and
relay side (its own engine with the agent's one pooled connection, a writer batching every 5 s,
a notifier over that connection, no election), and each tick encodes one realistic sample (the
shape of a real sample of this machine) once for all hosts. The agents connect through a
PgBouncer in transaction pooling mode (a throwaway one from ``tests.support.pgbouncer``, or
``--pgbouncer URL``) to a database of the benchmark's own. This process plays a dashboard
worker: it LISTENs directly on the server (``listen``) and records each sample's delay from its
due time to its arrival. Reported: samples stored and relayed, PostgreSQL CPU per sample (the
database's backends, from /proc), the agents' CPU and write time per sample, database growth
per host per day, NOTIFY delivery p50/p99, peak sessions (pg_stat_activity), and how late the
generator's ticks ran (the fleet is sustained when every tick started within its second).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from app.cluster.pg import connector
from app.cluster.relay import PgListener
from app.hub import LiveHub, Message, encode_sample
from bench.common import PG_URL, database_bytes, machine, pg_database, table
from bench.fleet_hosts import Fleet
from bench.pg_watch import SessionWatch
from bench.sampler import real_samples
from storage.engine import make_engine
from storage.schema import hosts, layouts, process_snapshots, samples
from storage.store import MetricStore

TABLES = [samples.name, process_snapshots.name, hosts.name, layouts.name]


def simulate(
    url: str, template: dict[str, Any], args: argparse.Namespace, index: int, result: Any
) -> None:
    """Child process ``index``: its share of the agents, storing and relaying a sample a
    second each, on the same whole seconds as the other children."""
    count = len(range(index, args.hosts, args.processes))
    fleet = Fleet(url, count, template, batch_interval=args.batch_interval, prefix=f"sim{index}")
    fleet.start()
    cpu_before = time.process_time()
    start = args.start
    lags: list[float] = []
    for tick in range(int(args.seconds)):
        slot = start + tick
        time.sleep(max(0.0, slot - time.time()))  # the generator's cadence
        lags.append(time.time() - slot)
        fleet.tick(tick, slot)
    flushed = fleet.stop(timeout=60)
    written, write_seconds = fleet.write_cost()
    result[index] = dict(
        written=written,
        write_seconds=write_seconds,
        ticks=len(lags),
        max_lag=max(lags, default=0.0),
        cpu=time.process_time() - cpu_before,
        flushed=flushed,
    )


@contextmanager
def listen(url: str, on_message: Callable[[Message], None]) -> Iterator[PgListener]:
    """A dashboard worker's side: a listener on the server directly (LISTEN needs a session),
    calling ``on_message`` for every sample it publishes into its hub. This is the one place
    to change for a worker that watches one host."""
    engine = make_engine(url)
    hub = LiveHub(backlog_size=10)
    hub.add_publish_hook(on_message)
    listener = PgListener(connector(engine), hub, origin="dashboard")
    listener.start()
    try:
        if not listener.listening.wait(10):
            raise SystemExit("error: the dashboard's listener could not LISTEN")
        yield listener
    finally:
        listener.stop()
        engine.dispose()


@contextmanager
def pooled(url: str, args: argparse.Namespace) -> Iterator[str]:
    """The agents' URL: ``--pgbouncer`` (its database replaced by ``url``'s), else a
    throwaway PgBouncer in transaction pooling mode."""
    if args.pgbouncer:
        yield args.pgbouncer.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]
        return
    from tests.support.pgbouncer import pgbouncer

    with pgbouncer(url, pool_size=args.pool_size) as agents_url:
        yield agents_url


def simulate_in_children(
    url: str, template: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Runs the fleet in ``args.processes`` child processes; their figures added up (the
    latest tick start of any)."""
    args.start = float(round(time.time()) + 6)  # every child's first tick, once all are up
    context = multiprocessing.get_context("spawn")
    with multiprocessing.Manager() as manager:
        result = manager.dict()
        children = [
            context.Process(target=simulate, args=(url, template, args, i, result))
            for i in range(args.processes)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join()
        parts = list(result.values())
    if len(parts) != args.processes:
        raise SystemExit("error: the simulated fleet failed (see its traceback above)")
    total = {key: sum(p[key] for p in parts) for key in ("written", "write_seconds", "cpu")}
    return total | {
        "ticks": min(p["ticks"] for p in parts),
        "max_lag": max(p["max_lag"] for p in parts),
        "flushed": all(p["flushed"] for p in parts),
    }


def run(args: argparse.Namespace, template: dict[str, Any]) -> dict[str, Any]:
    """Runs the fleet once; the figures as a dict."""
    delays: list[float] = []
    with pg_database(args.database_url) as url:
        owner = make_engine(url)
        MetricStore(owner).create_schema()  # the dashboard's role creates it
        owner.dispose()
        empty = database_bytes(url, TABLES)
        base, name = url.rsplit("/", 1)
        watch = SessionWatch(f"{base}/postgres", name)
        max_connections = watch.show("max_connections")
        with (
            pooled(url, args) as agents_url,
            listen(url, lambda m: delays.append(time.time() - m.ts)),
        ):
            watch.start()
            outcome = simulate_in_children(agents_url, template, args)
            watch.stop()
        used = database_bytes(url, TABLES) - empty
    latency_ms = np.array(delays) * 1000
    return {**outcome, "used": used, "latency_ms": latency_ms, "watch": watch} | {
        "max_connections": max_connections
    }


def figures(args: argparse.Namespace, run_: dict[str, Any]) -> list[list[object]]:
    """The report's rows; "n/a" where nothing was measured (nothing arrived, no /proc)."""
    written = run_["written"] or 1
    per_host = run_["written"] / args.hosts or 1
    lat = run_["latency_ms"]
    server = run_["watch"].server_cpu()

    def pct(q: float) -> str:
        return f"{np.percentile(lat, q):.1f} ms" if len(lat) else "n/a"

    return [
        ["samples stored / expected", f"{run_['written']} / {args.hosts * run_['ticks']}"],
        ["samples relayed and received", len(lat)],
        ["latest tick start after its second", f"{run_['max_lag'] * 1000:.0f} ms"],
        [
            "PostgreSQL CPU per sample (the database's backends)",
            f"{server / written * 1000:.2f} ms" if server is not None else "n/a",
        ],
        [
            "agents' CPU per sample (whole child processes)",
            f"{run_['cpu'] / written * 1000:.2f} ms",
        ],
        [
            "write time per sample (inside write_batch)",
            f"{run_['write_seconds'] / written * 1000:.2f} ms",
        ],
        [
            "database growth per host per day",
            f"{run_['used'] / args.hosts / per_host * 86400 / 1e6:.1f} MB",
        ],
        ["NOTIFY delivery p50", pct(50)],
        ["NOTIFY delivery p99", pct(99)],
        ["peak sessions on the fleet's database", run_["watch"].peak],
        ["peak client sessions on the server (every database)", run_["watch"].peak_server],
        ["server max_connections", run_["max_connections"]],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pool-size", type=int, default=10, help="PgBouncer's server pool")
    parser.add_argument("--batch-interval", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=1, help="child processes of agents")
    parser.add_argument("--pgbouncer", help="an existing PgBouncer's URL (transaction pooling)")
    parser.add_argument("--database-url", default=PG_URL.split("?", 1)[0])
    args = parser.parse_args()
    if min(args.hosts, args.seconds, args.pool_size, args.processes) < 1:
        parser.error("--hosts, --seconds, --pool-size and --processes must be 1 or more")
    template = real_samples(6)[-1]
    payload_bytes = len(encode_sample(template).payload)
    run_ = run(args, template)
    print(f"machine: {machine()}")
    print(f"{args.hosts} hosts x {run_['ticks']} ticks; sample JSON {payload_bytes} bytes\n")
    print(table(["figure", "value"], figures(args, run_)))


if __name__ == "__main__":
    main()
