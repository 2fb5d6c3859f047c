"""Benchmark: a fleet of simulated hosts at 1 Hz into one PostgreSQL.

Run: ``.venv/bin/python -m bench.fleet [--hosts 20] [--seconds 60]``

A child process simulates the hosts: each has its own writer (batches every 5 s, as in
production), its own NOTIFY relay and its own election lock, and publishes one realistic sample
(the shape of a real sample of this machine) per second. This process plays a dashboard worker:
it LISTENs and records, per received sample, the delay from the sample's publication to its
arrival. Reported: database growth per host per day, write cost per sample (time inside
``write_batch``), and the NOTIFY delivery latency p50/p99.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import threading
import time
from typing import Any

import numpy as np

from app.cluster.election import SamplerElection
from app.cluster.pg import connector
from app.cluster.relay import PgListener, PgNotifier
from app.hub import LiveHub, encode_sample
from bench.common import database_bytes, machine, pg_schema, table
from bench.sampler import real_samples
from storage.engine import make_engine
from storage.schema import hosts, layouts, process_snapshots, samples
from storage.store import MetricStore
from storage.writer import StorageWriter

TABLES = [samples.name, process_snapshots.name, hosts.name, layouts.name]


def simulate(url: str, template: dict[str, Any], count: int, seconds: float, result: Any) -> None:
    """The child process: ``count`` hosts publishing and storing one sample a second each."""
    engine = make_engine(url)
    store = MetricStore(engine)
    store.create_schema()
    write_time = [0.0]
    written = [0]
    original = store.write_batch

    def timed_write(batch: list[dict[str, Any]]) -> int:
        started = time.perf_counter()
        n = original(batch)
        write_time[0] += time.perf_counter() - started
        written[0] += len(batch)
        return n

    store.write_batch = timed_write  # type: ignore[method-assign]
    connect = connector(engine)
    fleet = []
    for i in range(count):
        name = f"sim-{i:02d}"
        election = SamplerElection(
            connect, name, interval=1.0, on_elected=lambda: None, on_demoted=lambda: None
        )
        election.step()
        notifier = PgNotifier(connect, origin=f"sim-{i}")
        notifier.start()
        writer = StorageWriter(store, batch_interval=5.0)
        writer.start()
        fleet.append((name, election, notifier, writer))
    rng = random.Random(3)
    start = time.time()
    tick = 0
    while time.time() - start < seconds:
        slot = start + tick
        time.sleep(max(0.0, slot - time.time()))
        for name, _, notifier, writer in fleet:
            sample = json.loads(json.dumps(template))
            sample.update(host=name, ts=time.time(), seq=tick)
            sample["cpu"]["total"] = rng.uniform(0, 100)
            notifier.submit(encode_sample(sample))
            writer.submit(sample)
        tick += 1
    for _, election, notifier, writer in fleet:
        writer.stop()
        notifier.stop()
        election.stop()
    result.update(write_time=write_time[0], written=written[0], ticks=tick)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    template = real_samples(6)[-1]
    payload_bytes = len(encode_sample(template).payload)
    with pg_schema() as url:
        MetricStore(make_engine(url)).create_schema()
        empty = database_bytes(url, TABLES)
        delays: list[float] = []
        hub = LiveHub(backlog_size=10)
        subscription = hub.subscribe(maxsize=100_000)
        engine = make_engine(url)
        for i in range(args.hosts):  # a browser follows each host: its whole samples come here
            hub.watched.watch(f"sim-{i:02d}")
        listener = PgListener(connector(engine), hub, origin="dashboard")
        listener.start()
        listener.listening.wait(10)

        def record() -> None:
            while (message := subscription.get(timeout=5)) is not None:
                delays.append(time.time() - message.ts)

        recorder = threading.Thread(target=record, daemon=True)
        recorder.start()
        with multiprocessing.Manager() as manager:
            result = manager.dict()
            child = multiprocessing.get_context("spawn").Process(
                target=simulate, args=(url, template, args.hosts, args.seconds, result)
            )
            child.start()
            child.join()
            outcome = dict(result)
        recorder.join(10)
        listener.stop()
        used = database_bytes(url, TABLES) - empty
        engine.dispose()
    per_host_samples = outcome["written"] / args.hosts
    growth = used / args.hosts / per_host_samples * 86400
    lat = np.array(delays) * 1000
    print(f"machine: {machine()}")
    print(f"{args.hosts} hosts x {outcome['ticks']} ticks; sample JSON {payload_bytes} bytes\n")
    print(
        table(
            ["figure", "value"],
            [
                ["samples written", outcome["written"]],
                ["samples relayed and received", len(delays)],
                ["database growth per host per day", f"{growth / 1e6:.1f} MB"],
                [
                    "write cost per sample (inside write_batch)",
                    f"{outcome['write_time'] / outcome['written'] * 1000:.2f} ms",
                ],
                ["NOTIFY delivery latency p50", f"{np.percentile(lat, 50):.1f} ms"],
                ["NOTIFY delivery latency p99", f"{np.percentile(lat, 99):.1f} ms"],
                ["NOTIFY delivery latency max", f"{lat.max():.1f} ms"],
            ],
        )
    )


if __name__ == "__main__":
    main()
