"""Benchmark: a fleet of simulated agents at 1 Hz into one PostgreSQL, through PgBouncer.

Run: ``.venv/bin/python -m bench.fleet [--hosts 200] [--seconds 30] [--processes 1] [--watch 1]``

Child processes simulate the hosts (``bench.fleet_hosts``): each is an agent's storage and
relay side (its own engine with the agent's one pooled connection, a writer batching every 5 s,
a notifier over that connection, no election), and each tick encodes one realistic sample (the
shape of a real sample of this machine) once for all hosts. The agents connect through a
PgBouncer in transaction pooling mode (a throwaway one from ``tests.support.pgbouncer``, or
``--pgbouncer URL``) to a database of the benchmark's own. This process plays a dashboard
worker: it LISTENs directly on the server (``listen``) and records each sample's delay from its
due time to its arrival: every host's summary, and the whole samples of the ``--watch`` hosts
(a worker whose browsers follow them). Reported: samples stored and relayed, PostgreSQL CPU
per sample (the database's backends, from /proc), the agents' CPU and write time per sample,
database growth per host per day, NOTIFY delivery p50/p99, peak sessions (pg_stat_activity),
and how late the generator's ticks ran (sustained: every tick started within its second).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from app.cluster.pg import connector
from app.cluster.relay import PgListener
from app.hub import LiveHub, encode_sample
from bench.common import PG_URL, database_bytes, machine, pg_database, table
from bench.fleet_hosts import Fleet
from bench.pg_watch import SessionWatch
from bench.sampler import real_samples
from storage.engine import make_engine
from storage.schema import hosts, layouts, process_snapshots, samples
from storage.store import MetricStore

TABLES = [samples.name, process_snapshots.name, hosts.name, layouts.name]
Arrival = Callable[[str, float], None]  # (host, the sample's time) as it arrives


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
def listen(
    url: str, watched: Iterable[str], on_whole: Arrival, on_summary: Arrival
) -> Iterator[PgListener]:
    """A dashboard worker's side: a listener on the server directly (LISTEN needs a session)
    that hears every host's summaries and the whole samples of the ``watched`` hosts (as when
    browsers follow them), calling ``on_summary(host, ts)`` and ``on_whole(host, ts)`` as they
    arrive."""
    engine = make_engine(url)
    hub = LiveHub(backlog_size=10)
    for host in watched:
        hub.watched.watch(host)
    hub.add_publish_hook(lambda message: on_whole(message.host, message.ts))
    hub.summaries.add_hook(lambda summary: on_summary(summary.host, summary.ts))
    listener = PgListener(connector(engine), hub, origin="dashboard")
    listener.start()
    try:
        if not listener.listening.wait(10):
            raise SystemExit("error: the dashboard's listener could not LISTEN")
        yield listener
    finally:
        listener.stop()
        engine.dispose()


def host_names(args: argparse.Namespace) -> list[str]:
    """The simulated hosts' names, as the children name them (``simulate``)."""
    return [
        f"sim{index}-{i:04d}"
        for index in range(args.processes)
        for i in range(len(range(index, args.hosts, args.processes)))
    ]


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
    delays: dict[str, list[float]] = {"whole": [], "summary": []}
    watched = host_names(args)[: args.watch]
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
            listen(
                url,
                watched,
                lambda _host, ts: delays["whole"].append(time.time() - ts),
                lambda _host, ts: delays["summary"].append(time.time() - ts),
            ),
        ):
            watch.start()
            outcome = simulate_in_children(agents_url, template, args)
            watch.stop()
        used = database_bytes(url, TABLES) - empty
    latency_ms = {kind: np.array(found) * 1000 for kind, found in delays.items()}
    return {**outcome, "used": used, "latency_ms": latency_ms, "watch": watch} | {
        "watched": len(watched),
        "max_connections": max_connections,
    }


def figures(args: argparse.Namespace, run_: dict[str, Any]) -> list[list[object]]:
    """The report's rows; "n/a" where nothing was measured (nothing arrived, no /proc)."""
    written = run_["written"] or 1
    per_host = run_["written"] / args.hosts or 1
    summaries, whole = run_["latency_ms"]["summary"], run_["latency_ms"]["whole"]
    server = run_["watch"].server_cpu()
    expected = args.hosts * run_["ticks"]

    def pct(lat: np.ndarray, q: float) -> str:
        return f"{np.percentile(lat, q):.1f} ms" if len(lat) else "n/a"

    return [
        ["samples stored / expected", f"{run_['written']} / {expected}"],
        ["summaries received / expected", f"{len(summaries)} / {expected}"],
        [
            f"whole samples received / expected ({run_['watched']} hosts watched)",
            f"{len(whole)} / {run_['watched'] * run_['ticks']}",
        ],
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
        ["NOTIFY delivery p50 / p99, summaries", f"{pct(summaries, 50)} / {pct(summaries, 99)}"],
        ["NOTIFY delivery p50 / p99, whole samples", f"{pct(whole, 50)} / {pct(whole, 99)}"],
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
    parser.add_argument(
        "--watch", type=int, default=1, help="hosts the dashboard watches (whole samples)"
    )
    parser.add_argument("--pgbouncer", help="an existing PgBouncer's URL (transaction pooling)")
    parser.add_argument("--database-url", default=PG_URL.split("?", 1)[0])
    args = parser.parse_args()
    if min(args.hosts, args.seconds, args.pool_size, args.processes) < 1 or args.watch < 0:
        parser.error("--hosts, --seconds, --pool-size and --processes must be 1 or more")
    template = real_samples(6)[-1]
    payload_bytes = len(encode_sample(template).payload)
    run_ = run(args, template)
    print(f"machine: {machine()}")
    print(f"{args.hosts} hosts x {run_['ticks']} ticks; sample JSON {payload_bytes} bytes\n")
    print(table(["figure", "value"], figures(args, run_)))


if __name__ == "__main__":
    main()
