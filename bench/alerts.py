"""Benchmark: the alert evaluator's CPU per tick against the sampler's, and ``alerts test``.

Run: ``.venv/bin/python -m bench.alerts [--ticks 300] [--days 7]``

1. Evaluator per tick: ``Evaluator.observe`` with the default rules (flattening included) on a
   synthetic big host (64 cores, 20 disks, 20 interfaces, 32 temperature sensors, 20 fans),
   against the real sampler's tick of this host (``bench.sampler.make_sampler``: collectors,
   hub and writer buffer), in alternating rounds of 10 in this one process. Two cases: all
   quiet, and a loaded host (8 disks, 12 sensors and the CPU past their warning thresholds, so
   alerts are pending and firing). Target: under 5 % of the sampler's tick.
2. ``python -m app alerts test --rule cpu --since 8d`` in its own process on a week of 1 Hz
   history of one host (604,800 samples in SQLite), timed from outside and as it reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from app.alerts.evaluator import Evaluator
from app.alerts.rules import load_rules
from bench.common import alternating_cpu_ms, machine, sqlite_url, table
from bench.sampler import make_sampler
from storage.engine import make_engine
from storage.series import flatten
from storage.store import MetricStore

ROOT = Path(__file__).resolve().parents[1]
DAY = 86400


def big_sample(ts: float, *, loaded: bool = False, host: str = "big") -> dict[str, Any]:
    """A sample of a 64-core host with 20 disks, 20 interfaces, 32 sensors and 20 fans; when
    ``loaded``, the CPU, 8 disks and 12 sensors are past the default rules' warnings."""
    hot = 95.0 if loaded else 20.0
    disk = [{"mount": f"/data{i}", "total": 1e12, "used": 5e11,
             "percent": 90.0 if loaded and i < 8 else 50.0} for i in range(20)]  # fmt: skip
    io = [{"disk": f"sd{chr(97 + i)}", "read_bps": 1e6, "write_bps": 2e6, "busy_percent": 5.0}
          for i in range(20)]  # fmt: skip
    nics = [{"iface": f"eth{i}", "rx_bps": 1e5, "tx_bps": 1e5, "rx_pps": 90.0, "tx_pps": 80.0,
             "errors_per_s": 0.0, "drops_per_s": 0.0} for i in range(20)]  # fmt: skip
    temps = [{"label": f"coretemp/Core {i}", "current": 90.0 if loaded and i < 12 else 50.0,
              "high": 80.0, "critical": 100.0} for i in range(32)]  # fmt: skip
    return {
        "v": 1, "host": host, "ts": ts, "seq": int(ts),
        "system": {"hostname": host, "cores_logical": 64, "uptime_s": 1e6},
        "cpu": {"total": hot, "per_core": [hot] * 64, "freq_mhz": 2400.0},
        "memory": {"percent": 40.0, "used": 4e10, "available": 6e10, "swap_percent": 1.0},
        "load": {"load1": 8.0, "load5": 8.0, "load15": 8.0},
        "disks": {"usage": disk, "io": io},
        "network": {"interfaces": nics},
        "sensors": {"temperatures": temps,
                    "fans": [{"label": f"fan{i}", "rpm": 1200.0} for i in range(20)]},
    }  # fmt: skip


def evaluator_step(loaded: bool) -> Any:
    """One observe per call on a fresh evaluator with the default rules, 1 s apart. The sample
    is built once (a sampler's tick builds it anyway); each call only stamps its time."""
    evaluator = Evaluator(load_rules(None))
    clock = iter(range(10**9))
    template = big_sample(0.0, loaded=loaded)

    def step() -> None:
        evaluator.observe({**template, "ts": 1_764_000_000.0 + next(clock)})

    return step


def cpu_figures(ticks: int) -> dict[str, float]:
    sampler, writer = make_sampler()
    steps = {
        "sampler": sampler.tick,
        "quiet": evaluator_step(False),
        "loaded": evaluator_step(True),
    }
    result = alternating_cpu_ms(steps, ticks)
    writer._buffer.clear()
    return result


def cpu_rows(cpu: dict[str, float]) -> list[list[str]]:
    """Table rows: each step's mean and fastest-round CPU per tick, and its share of the
    sampler's (mean to mean, fastest to fastest)."""
    labels = {
        "sampler": "sampler tick of this host (collect + hub + writer buffer)",
        "quiet": "evaluator, default rules, big host, all quiet",
        "loaded": "evaluator, default rules, big host, 21 alerts pending/firing",
    }
    rows = []
    for name, label in labels.items():
        row = [label]
        for suffix in ("", ":best"):
            ms, base = cpu[name + suffix], cpu["sampler" + suffix]
            row += [f"{ms:.3f}", "" if name == "sampler" else f"{100.0 * ms / base:.1f} %"]
        rows.append(row)
    return rows


def week_of_history(url: str, days: int) -> None:
    """``days`` of 1 Hz cpu.total of host ``w``: 20 % with a 10-minute 99 % burst each day."""
    store = MetricStore(make_engine(url))
    start = (int(time.time()) // DAY - days) * DAY + 60
    batch = []
    for offset in range(days * DAY):
        busy = 3 * 3600 <= offset % DAY < 3 * 3600 + 600
        batch.append(
            {"host": "w", "ts": float(start + offset), "cpu": {"total": 99.0 if busy else 20.0}}
        )
        if len(batch) == 20_000:
            store.write_batch(batch)
            batch = []
    store.write_batch(batch)
    store.engine.dispose()


def time_alerts_test(url: str, days: int) -> tuple[float, str]:
    """(wall seconds, the command's output) of ``alerts test`` on the stored history."""
    command = [sys.executable, "-m", "app", "alerts", "test", "--rule", "cpu",
               "--since", f"{days + 1}d", "--host", "w", "--database-url", url]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"series in the big sample: {len(flatten(big_sample(0.0)))}")
    cpu = cpu_figures(args.ticks)
    print(
        table(["step", "CPU ms per tick (mean)", "share", "fastest round", "share"], cpu_rows(cpu))
    )
    print(f"({cpu['ticks']:.0f} ticks each, in alternating rounds of 10)\n")
    with TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder), "week.db")
        filled = time.perf_counter()
        week_of_history(url, args.days)
        print(
            f"history: {args.days * DAY:,} samples written in {time.perf_counter() - filled:.0f} s"
        )
        wall, output = time_alerts_test(url, args.days)
    print(output.rstrip())
    print(f"alerts test, whole process: {wall:.1f} s")


if __name__ == "__main__":
    main()
