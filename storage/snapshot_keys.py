"""Which snapshot times the snapshot blocks already hold, so that a late snapshot row (a
clock stepped back, a successor re-storing a backlog) is never stored beside its block."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from storage.schema import snapshot_blocks
from storage.snapshot_blocks import decode_snapshots


def held_times(conn: Connection, host: int, stamps: Iterable[int]) -> set[int]:
    """The times among ``stamps`` (epoch ms) that ``host``'s snapshot blocks already hold."""
    wanted = set(stamps)
    if not wanted:
        return set()
    b = snapshot_blocks.c
    low, high = min(wanted), max(wanted)
    reaching = (
        select(func.max(b.start_ts)).where(b.host_id == host, b.start_ts <= low).scalar_subquery()
    )
    query = select(b.data).where(
        b.host_id == host,
        b.start_ts >= func.coalesce(reaching, low),
        b.start_ts <= high,
        b.end_ts >= low,
    )
    held: set[int] = set()
    for (data,) in conn.execute(query):
        held.update(ts for ts, _ in decode_snapshots(bytes(data)) if ts in wanted)
    return held


def without_held(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (host_id, ts, data) less those at a time a snapshot block holds."""
    by_host: dict[int, list[int]] = {}
    for row in rows:
        by_host.setdefault(row["host_id"], []).append(row["ts"])
    held = {(host, ts) for host, stamps in by_host.items() for ts in held_times(conn, host, stamps)}
    return [row for row in rows if (row["host_id"], row["ts"]) not in held] if held else rows
