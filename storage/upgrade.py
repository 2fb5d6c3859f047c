"""In-place upgrade of a database the previous version wrote (issue 15).

On PostgreSQL that version's ``monitor_blocks`` is a plain table. ``convert_blocks_table`` turns
it into the partitioned layout of ``storage.partitions`` in one transaction, without copying a
block: the plain table is renamed ``monitor_blocks_legacy`` (its primary key too), the
partitioned parent and its DEFAULT partition are created, and the old table is attached as the
partition of every time up to the end of the day of its newest block (MINVALUE to that
midnight); an empty one is dropped instead. DDL is transactional on PostgreSQL, so an
interruption anywhere leaves the plain table as it was and the next run starts over; no block
is ever in two places, or in none, and reads never miss one. Retention drops the legacy
partition whole once its newest block is past the raw age, as any other.

The rows of such a database (compaction was off) are compacted in the background by the
maintenance job, a time budget a run (``storage.compaction``); progress is the data itself
(each host's newest block is where its next run starts), so a restart resumes where the last
run stopped and nothing can drift from what is stored. ``backlog`` says what is left.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text

from storage.partitions import DAY_MS, day_of, partitions
from storage.schema import SCHEMA_LOCK_KEY, blocks, samples

LEGACY = "monitor_blocks_legacy"


def blocks_table_kind(engine: Engine) -> str | None:
    """``"partitioned"``, ``"plain"`` or None (no table yet, or SQLite: nothing to convert)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        kind = conn.execute(
            text("SELECT relkind FROM pg_class WHERE oid = to_regclass('monitor_blocks')")
        ).scalar()
    return {"p": "partitioned", "r": "plain"}.get(str(kind))


def convert_blocks_table(engine: Engine) -> bool:
    """Converts a plain ``monitor_blocks`` (PostgreSQL, the previous version) to the partitioned
    layout in one transaction; True when it did, False when there was nothing to convert."""
    if blocks_table_kind(engine) != "plain":
        return False
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
        kind = conn.execute(
            text("SELECT relkind FROM pg_class WHERE oid = to_regclass('monitor_blocks')")
        ).scalar()
        if kind != "r":  # another process converted it while we waited for the lock
            return False
        conn.execute(text(f"ALTER TABLE monitor_blocks RENAME TO {LEGACY}"))
        conn.execute(
            text(f"ALTER TABLE {LEGACY} RENAME CONSTRAINT monitor_blocks_pkey TO {LEGACY}_pkey")
        )
        newest = conn.execute(text(f"SELECT max(start_ts) FROM {LEGACY}")).scalar()
        blocks.create(conn)  # the partitioned parent and, by its after_create hook, DEFAULT
        if newest is None:
            conn.execute(text(f"DROP TABLE {LEGACY}"))
        else:
            upper = (day_of(int(newest)) + 1) * DAY_MS
            conn.execute(
                text(
                    f"ALTER TABLE monitor_blocks ATTACH PARTITION {LEGACY}"
                    f" FOR VALUES FROM (MINVALUE) TO ({int(upper)})"
                )
            )
    return True


def backlog(engine: Engine) -> dict[str, int]:
    """What the background compaction has done and has left: sample ``rows`` (all of them, due
    or not), ``blocks`` and the ``block_samples`` they hold, and (PostgreSQL) ``partitions``."""
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(samples)).scalar_one()
        made, held = conn.execute(select(func.count(), func.sum(blocks.c.count))).one()
        result = {"rows": int(rows), "blocks": int(made), "block_samples": int(held or 0)}
        if conn.dialect.name == "postgresql":
            result["partitions"] = len(partitions(conn))
    return result
