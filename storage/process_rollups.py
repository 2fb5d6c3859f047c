"""Process usage by the hour: rolled up once from the snapshots, read back for any range.

``roll_up_processes`` stores, per host and complete hour, what each process name used in it
(``storage.process_usage``) and moves the host's ``done_until`` for ``PROCESS_USAGE_CODE`` in
``monitor_rollup_state``, a day of hours per transaction: idempotent and resumable like the
series rollups. ``read_usage`` answers a range from the stored hours it covers whole and from
the snapshots for the rest (its edges, and what is not rolled up yet), so a month reads 720
small rows instead of half a million snapshots.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from sqlalchemy import Connection, select

from storage.process_usage import ProcessUsage, merge_into, usage, usage_by_part
from storage.schema import process_usage, rollup_state
from storage.snapshot_reads import first_snapshot_time, iter_snapshots
from storage.store import MetricStore

PROCESS_USAGE_CODE = -3600  # its row in monitor_rollup_state (series tiers use 60 and 3600)
HOUR_MS = 3_600_000
HOURS_PER_RUN = 24


def gap_cap_s(store: MetricStore) -> float:
    """How long one snapshot stands for at most: ``GAP_FACTOR`` snapshot intervals."""
    from storage.process_usage import GAP_FACTOR

    return GAP_FACTOR * max(store.process_snapshot_every_ms, 1000) / 1000


def processes_done(conn: Connection, host: int) -> int | None:
    """The end (epoch ms) of the last hour of ``host`` rolled up; None before any."""
    c = rollup_state.c
    return conn.execute(
        select(c.done_until).where(c.host_id == host, c.tier == PROCESS_USAGE_CODE)
    ).scalar()


def roll_up_processes(store: MetricStore, host: int, host_name: str, frontier_ms: int) -> int:
    """Stores the hours of ``host`` that end at or before ``frontier_ms``; returns how many."""
    from storage.rollups import upsert

    limit = frontier_ms - frontier_ms % HOUR_MS
    written = 0
    while True:
        with store.engine.begin() as conn:
            done = processes_done(conn, host)
            if done is None:  # from the hour of the host's first snapshot
                first = first_snapshot_time(conn, host)
                done = limit if first is None else first - first % HOUR_MS
            if done >= limit:
                _set_done(conn, host, max(done, limit), upsert)
                return written
            hi = min(limit, done + HOURS_PER_RUN * HOUR_MS)
            rows = _hours(store, host_name, done, hi)
            if rows:
                for row in rows:
                    row["host_id"] = host
                upsert(conn, process_usage, rows, ["host_id", "bucket"], ["data"])
            _set_done(conn, host, hi, upsert)
            written += len(rows)


def _hours(store: MetricStore, host_name: str, lo_ms: int, hi_ms: int) -> list[dict[str, Any]]:
    """The rollup rows of the hours in ``[lo_ms, hi_ms)`` that had processes (the snapshots
    are read as a stream: up to a day of them is never held at once)."""
    snapshots = iter_snapshots(store, host_name, lo_ms / 1000, hi_ms / 1000, previous=True)
    hours = list(range(lo_ms, hi_ms, HOUR_MS))
    edges = [hour / 1000 for hour in hours] + [hi_ms / 1000]
    rows = []
    for hour, used in zip(hours, usage_by_part(snapshots, edges, gap_cap_s(store)), strict=True):
        if used:
            blob = {name: u.as_row() for name, u in used.items()}
            rows.append({"bucket": hour, "data": zlib.compress(json.dumps(blob).encode())})
    return rows


def _set_done(conn: Connection, host: int, until: int, upsert: Any) -> None:
    row = {"host_id": host, "tier": PROCESS_USAGE_CODE, "done_until": until}
    upsert(conn, rollup_state, [row], ["host_id", "tier"], ["done_until"])


def read_usage(store: MetricStore, host: str, start: float, end: float) -> dict[str, ProcessUsage]:
    """What each process name of ``host`` used in ``[start, end)`` (epoch seconds)."""
    total: dict[str, ProcessUsage] = {}
    for _lo, _hi, part in usage_parts(store, host, start, end):
        merge_into(total, part)
    return total


def usage_parts(
    store: MetricStore, host: str, start: float, end: float
) -> list[tuple[float, float, dict[str, ProcessUsage]]]:
    """``[start, end)`` as ``(from, to, usage)`` parts in time order: each stored hour it
    covers whole, and the rest (its edges, hours not rolled up yet) from the snapshots."""
    from storage.tiers import host_id

    store.ensure_schema()
    parts: list[tuple[float, float, dict[str, ProcessUsage]]] = []
    with store.engine.connect() as conn:
        hid = host_id(conn, host)
        if hid is None:
            return []
        done = processes_done(conn, hid) or 0
        first = -(-int(start * 1000) // HOUR_MS) * HOUR_MS  # the first whole hour
        last = min(int(end * 1000) // HOUR_MS * HOUR_MS, done)  # the end of the whole hours
        if last > first:
            c = process_usage.c
            query = select(c.bucket, c.data).where(
                c.host_id == hid, c.bucket >= first, c.bucket < last
            )
            for bucket, data in conn.execute(query.order_by(c.bucket)):
                blob = json.loads(zlib.decompress(data))
                used = {n: ProcessUsage.from_row(n, r) for n, r in blob.items()}
                parts.append((bucket / 1000, (bucket + HOUR_MS) / 1000, used))
            spans = [(start, first / 1000), (last / 1000, end)]
        else:
            spans = [(start, end)]
    cap = gap_cap_s(store)
    for lo, hi in spans:
        if hi > lo:
            snapshots = iter_snapshots(store, host, lo, hi, previous=True)
            parts.append((lo, hi, usage(snapshots, lo, hi, cap)))
    return sorted(parts, key=lambda part: part[0])
