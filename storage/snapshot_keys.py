"""Which snapshot times the snapshot blocks already hold, so that a late snapshot row (a
clock stepped back, a successor re-storing a backlog) is never stored beside its block."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from storage.collisions import reaching
from storage.schema import snapshot_blocks
from storage.snapshot_blocks import decode_snapshots

REACHING_SNAPSHOT_BLOCKS = reaching(snapshot_blocks, snapshot_blocks.c.data)


def held_times(conn: Connection, host: int, stamps: Iterable[int]) -> set[int]:
    """The times among ``stamps`` (epoch ms) that ``host``'s snapshot blocks already hold."""
    wanted = set(stamps)
    if not wanted:
        return set()
    query = {"host": host, "low": min(wanted), "high": max(wanted)}
    held: set[int] = set()
    for (data,) in conn.execute(REACHING_SNAPSHOT_BLOCKS, query):
        held.update(ts for ts, _ in decode_snapshots(bytes(data)) if ts in wanted)
    return held


def without_held(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (host_id, ts, data) less those at a time a snapshot block holds."""
    by_host: dict[int, list[int]] = {}
    for row in rows:
        by_host.setdefault(row["host_id"], []).append(row["ts"])
    held = {(host, ts) for host, stamps in by_host.items() for ts in held_times(conn, host, stamps)}
    return [row for row in rows if (row["host_id"], row["ts"]) not in held] if held else rows
