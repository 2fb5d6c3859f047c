"""Benchmark: the background compaction of a database of rows alone, as the previous version
left every install (issue 15), on SQLite and PostgreSQL.

Run: ``.venv/bin/python -m bench.upgrade [--hours 6] [--budget 10]``

Writes ``--hours`` of noisy 1 Hz samples of one host (``tests.storage.block_support``: values
that walk and jitter, a worse case for the codec than an idle host), rolls them up, then runs
the maintenance job (``storage.maintenance.HistoryMaintainer`` with compaction on, a
``--budget`` of seconds a pass, the clock fixed a day later so nothing is past retention) pass
after pass until nothing is left to compact, as restarts would. Reports, per database, the
blocks and samples made, the seconds compaction spent (its own ``last_run``), the rates, the
passes needed, the longest pass (rollups and retention included), and what 30 days of one
host and of 30 hosts would take at that rate and budget (a pass a minute).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import machine, pg_schema, table
from storage.engine import make_engine
from storage.maintenance import HistoryMaintainer
from storage.retention import RetentionPolicy
from storage.rollups import RollupJob
from storage.store import MetricStore
from storage.upgrade import backlog
from tests.storage.block_support import T0, noisy_samples

MONTH_SAMPLES = 30 * 86_400


def measure(url: str, hours: float, budget: float) -> list[object]:
    """One database's row of figures."""
    store = MetricStore(make_engine(url), process_snapshot_every=5.0)
    count = int(hours * 3600)
    batch = noisy_samples(count)
    for at in range(0, count, 1000):
        store.write_batch(batch[at : at + 1000])
    now = T0 + count + 86_400.0
    RollupJob(store).run(now)
    blocks = held = passes = 0
    spent = longest = 0.0
    while True:
        maintainer = HistoryMaintainer(
            store, RetentionPolicy(), clock=lambda: now, compact_blocks=True, compact_budget=budget
        )
        began = time.perf_counter()
        result = maintainer.run_once()
        longest = max(longest, time.perf_counter() - began)
        assert result is not None
        run = result["compaction"]
        if not run["blocks"]:
            break
        passes += 1
        blocks, held, spent = blocks + run["blocks"], held + run["samples"], spent + run["seconds"]
    left = backlog(store.engine)
    store.engine.dispose()
    rate = held / spent
    month_min = MONTH_SAMPLES / (rate * budget)  # passes of a minute
    return [
        store.dialect, blocks, held, f"{spent:.1f}", f"{blocks / spent:.1f}", f"{rate:,.0f}",
        passes, f"{longest:.1f}", left["rows"], f"{month_min:.0f} min",
        f"{30 * month_min / 60:.1f} h",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds a pass")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(measure(f"sqlite:///{Path(folder) / 'upgrade.db'}", args.hours, args.budget))
    with pg_schema() as url:
        rows.append(measure(url, args.hours, args.budget))
    print(machine())
    print(f"{args.hours:g} h of 1 Hz samples, budget {args.budget:g} s a pass")
    headers = [
        "database", "blocks", "samples", "compaction s", "blocks/s", "samples/s", "passes",
        "longest pass s", "rows left", "30 days, 1 host", "30 days, 30 hosts",
    ]  # fmt: skip
    print(table(headers, rows))


if __name__ == "__main__":
    main()
