"""Inserting sample rows and telling apart the ones a batch could not store.

``(host, ts)`` is the samples' key. A row whose key is taken is not stored, and it is one of:

- a **duplicate**: the same sample again (a batch retried after an ambiguous failure, a
  successor re-storing the samples a dead sampler relayed); nothing is lost;
- a **collision**: a different sample stamped with a time already stored, which happens after
  the host's wall clock stepped back (docs/sample-format.md). The stored row wins: it was
  there first, and history keeps one row per host and time; the newcomer is counted (the
  writer's ``sample_collisions``, in every sample's health and in ``/metrics``), never
  dropped silently.

``insert_samples`` tells which by ``RETURNING`` the keys really inserted (on SQLite and
PostgreSQL alike) and, only when some were not, by comparing the rows that hold those keys.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from storage.engine import insert_for
from storage.schema import samples


class BatchOutcome(NamedTuple):
    """What became of a batch's samples: stored, already stored, or colliding."""

    stored: int
    duplicates: int = 0
    collisions: int = 0


def insert_samples(conn: Connection, rows: list[dict[str, Any]]) -> BatchOutcome:
    """Inserts ``rows`` (host_id, ts, layout_id, data) in ``conn``'s transaction, skipping
    taken keys, and says how many were stored, duplicates and collisions."""
    if not rows:
        return BatchOutcome(0)
    insert = insert_for(conn.dialect.name)
    statement = insert(samples).on_conflict_do_nothing().returning(samples.c.host_id, samples.c.ts)
    inserted = {(row.host_id, row.ts) for row in conn.execute(statement, rows)}
    left: list[dict[str, Any]] = []
    for row in rows:
        key = (row["host_id"], row["ts"])
        if key in inserted:
            inserted.discard(key)  # the first row of a key in the batch is the one stored
        else:
            left.append(row)
    if not left:
        return BatchOutcome(len(rows))
    stored_rows = _rows_holding(conn, left)
    duplicates = sum(
        1
        for row in left
        if stored_rows.get((row["host_id"], row["ts"])) == (row["layout_id"], bytes(row["data"]))
    )
    return BatchOutcome(len(rows) - len(left), duplicates, len(left) - duplicates)


def _rows_holding(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple, tuple]:
    """(host_id, ts) -> (layout_id, data) of the stored rows with the keys of ``rows``."""
    by_host: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        by_host[row["host_id"]].add(row["ts"])
    found: dict[tuple, tuple] = {}
    for host_id, stamps in by_host.items():
        query = select(samples.c.ts, samples.c.layout_id, samples.c.data).where(
            samples.c.host_id == host_id, samples.c.ts.in_(sorted(stamps))
        )
        for row in conn.execute(query):
            found[(host_id, row.ts)] = (row.layout_id, bytes(row.data))
    return found
