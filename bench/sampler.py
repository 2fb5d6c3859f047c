"""Benchmark: the sampler's CPU time per tick against a bare psutil loop, and stored bytes/sample.

Run: ``.venv/bin/python -m bench.sampler [--ticks 300] [--stored 900] [--cgroups 100,500]``

1. CPU per tick: the real sampler (default collectors, top-N 15, the live hub publishing and
   the writer's buffer as sinks: everything the 1 Hz thread does) against the *floor*, a bare
   loop making the same operating-system reads and nothing else: the psutil calls of the
   cpu, memory, load, system, disks, network and sensors collectors, and, for processes, the
   listing of /proc and one read of every /proc/PID/stat (on Linux the collector reads /proc
   itself; the top rows' details are kept between ticks, so a steady tick reads none). For
   comparison, the psutil process scan the collector made before (``process_iter`` plus the
   top rows' details every tick) runs as a third loop. All run back to back in alternating
   rounds of 10 ticks in this one process, so machine noise hits them alike.
2. Stored bytes per sample: real samples of this host written through the project's store in
   batches of 5 (the writer's default), on SQLite and on PostgreSQL.
3. The cgroup case (as root; ``--cgroups ""`` leaves it out): the cgroups collector with 100
   and 500 real, empty cgroups made for it, against a bare loop of the same reads
   (bench/cgroup_reads.py).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psutil

from app.hub import LiveHub
from app.runtime.sampler import Sampler
from bench.cgroup_reads import cgroup_table
from bench.common import alternating_cpu_ms, database_bytes, machine, pg_schema, sqlite_url, table
from collectors import default_collectors
from collectors.registry import CollectorRegistry
from storage.engine import make_engine
from storage.schema import process_snapshots, samples
from storage.series import flatten
from storage.store import MetricStore
from storage.writer import StorageWriter

TABLES = [samples.name, process_snapshots.name]
PROCESS_ATTRS = ["pid", "cpu_percent", "memory_info", "status"]  # collectors.processes.ATTRS


def system_floor() -> None:
    """The psutil calls of every collector but processes, with no processing of their answers."""
    psutil.cpu_times()
    psutil.cpu_times(percpu=True)
    psutil.cpu_stats()
    psutil.cpu_freq()
    psutil.virtual_memory()
    psutil.swap_memory()
    psutil.getloadavg()
    with open("/proc/loadavg") as handle:
        handle.read()
    psutil.boot_time()
    for part in psutil.disk_partitions(all=False):
        try:
            psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
    psutil.disk_io_counters(perdisk=True)
    psutil.net_io_counters(pernic=True)
    psutil.sensors_temperatures()
    psutil.sensors_fans()
    psutil.sensors_battery()
    for resource in ("cpu", "memory", "io"):  # the pressure collector's files
        try:
            with open(f"/proc/pressure/{resource}", "rb") as handle:
                handle.read()
        except OSError:
            continue


def floor_tick() -> None:
    """The reads one sampler tick makes: ``system_floor`` and one /proc/PID/stat per process."""
    system_floor()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                fd = os.open(f"/proc/{name}/stat", os.O_RDONLY)
            except OSError:
                continue
            try:
                os.read(fd, 4096)
            except OSError:
                pass
            finally:
                os.close(fd)


def psutil_floor_tick() -> None:
    """``system_floor`` and the psutil process scan the collector made before reading /proc."""
    system_floor()
    processes = list(psutil.process_iter(attrs=PROCESS_ATTRS, ad_value=None))
    for process in processes[: 2 * 15]:  # the top rows' details (top-N 15, by CPU and by RSS)
        with process.oneshot():
            for attr in ("name", "username", "num_threads", "cmdline"):  # DETAIL_ATTRS
                try:
                    getattr(process, attr)()
                except psutil.Error:
                    continue


def make_sampler() -> tuple[Sampler, StorageWriter]:
    registry = CollectorRegistry()
    for collector in default_collectors():
        registry.register(collector)
    writer = StorageWriter(store=None, buffer_max=10**6)  # type: ignore[arg-type]  # never written
    hub = LiveHub()
    sampler = Sampler(
        registry,
        host="bench",
        sinks=[hub.publish, writer.submit],
        health_providers=[writer.health, hub.health],
    )
    sampler.align()
    return sampler, writer


def cpu_per_tick(ticks: int, per_round: int = 10) -> dict[str, float]:
    """Mean process CPU ms per tick for the sampler and the floors, in alternating rounds."""
    sampler, writer = make_sampler()
    steps = {"floor": floor_tick, "psutil": psutil_floor_tick, "sampler": sampler.tick}
    result = alternating_cpu_ms(steps, ticks, per_round)
    writer._buffer.clear()
    return result


def real_samples(count: int) -> list[dict[str, Any]]:
    """``count`` real samples of this host, re-stamped one second apart."""
    sampler, _ = make_sampler()
    out = []
    start = round(time.time())
    for i in range(count):
        sample = sampler.tick()
        sample["ts"] = float(start - count + i)
        out.append(sample)
    return out


def bytes_per_sample(url: str, batch: list[dict[str, Any]]) -> dict[str, float]:
    store = MetricStore(make_engine(url))
    store.create_schema()
    empty = {t: database_bytes(url, [t]) for t in TABLES}
    for i in range(0, len(batch), 5):
        store.write_batch(batch[i : i + 5])
    store.engine.dispose()
    used = {t: database_bytes(url, [t]) - empty[t] for t in TABLES}
    return {t: used[t] / len(batch) for t in TABLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--stored", type=int, default=900, help="samples stored per database")
    parser.add_argument("--cgroups", default="100,500", help="cgroup counts of the cgroup case")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(f"processes on this host: {len(psutil.pids())}")
    cpu = cpu_per_tick(args.ticks)
    ratio = cpu["sampler"] / cpu["floor"]
    print(
        table(
            ["loop", "CPU ms per tick", "share of one core at 1 Hz"],
            [
                ["bare reads (floor)", f"{cpu['floor']:.2f}", f"{cpu['floor'] / 10:.2f} %"],
                [
                    "bare psutil calls, process_iter scan (former floor)",
                    f"{cpu['psutil']:.2f}",
                    f"{cpu['psutil'] / 10:.2f} %",
                ],
                [
                    "sampler (collect + hub + writer buffer)",
                    f"{cpu['sampler']:.2f}",
                    f"{cpu['sampler'] / 10:.2f} %",
                ],
                ["ratio sampler / floor", f"{ratio:.2f}x", ""],
            ],
        )
    )
    print(f"({cpu['ticks']:.0f} ticks each, in alternating rounds of 10)\n")

    batch = real_samples(args.stored)
    rows = []
    with TemporaryDirectory() as folder:
        rows.append(["SQLite", *bytes_per_sample(sqlite_url(Path(folder), "b.db"), batch).values()])
    with pg_schema() as url:
        rows.append(["PostgreSQL", *bytes_per_sample(url, batch).values()])
    series = len(flatten(batch[-1]))
    print(
        table(
            [
                "database",
                "sample row bytes/sample",
                "process snapshot bytes/sample (every 5 s)",
                "total bytes/sample",
                "MB per host per day",
            ],
            [
                [db, f"{s:.0f}", f"{p:.0f}", f"{s + p:.0f}", f"{(s + p) * 86400 / 1e6:.1f}"]
                for db, s, p in rows
            ],
        )
    )
    print(f"({args.stored} real samples of this host, {series} series each, batches of 5)")
    if args.cgroups:
        counts = [int(n) for n in args.cgroups.split(",")]
        print("\n" + cgroup_table(counts, args.ticks))
        print(f"({args.ticks} ticks each, collector and floor in alternating rounds)")


if __name__ == "__main__":
    main()
