"""PostgreSQL range partitions of ``monitor_blocks`` by ``start_ts``: one a UTC day, and DEFAULT.

A block is stored in the partition of the day its first sample falls in. The maintenance job
creates today's partition and the next ``AHEAD_DAYS`` ones, compaction the one of each block it
is about to write (its blocks are of the past: an upgraded database is compacted weeks back),
and a block of a day without one (a clock far off, a lock not granted in time) goes to the
DEFAULT partition, so a write never fails for want of a partition; ``tidy_default`` moves such
blocks into their day's partition later. Retention (``drop_expired``) drops a whole partition
once every block in it, by its own ``end_ts``, is past its host's cutoff, which is exact
whatever a block spans (a block may end days after it starts when its host samples slowly).

A new partition is created empty, filled with its day's blocks from DEFAULT (if any) and then
attached, in one transaction: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the parent (reads
and writes go on), where CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE, and the
DEFAULT partition must hold no row of the new range when it is attached. Every DDL here runs
under the schema's advisory lock (``storage.schema``) and a short ``lock_timeout``; a timeout
leaves things as they were for the next run. Partition names and bounds are computed from
integers by this module, never from input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from storage.schema import SCHEMA_LOCK_KEY

PARENT = "monitor_blocks"
DEFAULT = "monitor_blocks_default"
DAY_MS = 86_400_000
AHEAD_DAYS = 2
LOCK_TIMEOUT = "2s"
COLUMNS = "host_id, start_ts, end_ts, layout_id, count, data"
_BOUND = re.compile(r"FOR VALUES FROM \((.+)\) TO \((.+)\)")
_NAME = re.compile(r"^monitor_blocks_d\d{8}$")


@dataclass(frozen=True)
class Partition:
    """One partition: ``[lower, upper)`` in epoch ms (None: MINVALUE/MAXVALUE); DEFAULT has
    ``default`` set and no bounds."""

    name: str
    lower: int | None
    upper: int | None
    default: bool = False

    def covers(self, ms: int) -> bool:
        if self.default:
            return False
        return (self.lower is None or self.lower <= ms) and (self.upper is None or ms < self.upper)


def day_of(ms: int) -> int:
    """The UTC day number (days since the epoch) of ``ms``."""
    return ms // DAY_MS


def day_name(day: int) -> str:
    """The partition name of UTC day ``day``: ``monitor_blocks_dYYYYMMDD``."""
    name = f"monitor_blocks_d{datetime.fromtimestamp(day * 86400, UTC):%Y%m%d}"
    if not _NAME.match(name):  # a day outside years 1000-9999
        raise ValueError(f"day {day} has no partition name")
    return name


def is_partitioned(conn: Connection) -> bool:
    """True when ``monitor_blocks`` of the search path is a partitioned table (PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}
    ).scalar()
    return kind == "p"


def partitions(conn: Connection) -> list[Partition]:
    """The partitions of ``monitor_blocks`` with their bounds, by lower bound."""
    rows = conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": PARENT},
    ).all()
    found = []
    for name, bound in rows:
        if bound == "DEFAULT":
            found.append(Partition(name, None, None, default=True))
            continue
        match = _BOUND.match(bound)
        if match is None:
            raise ValueError(f"unexpected partition bound of {name}: {bound}")
        found.append(Partition(name, _value(match[1]), _value(match[2])))
    return sorted(found, key=lambda p: (p.default, -(2**63) if p.lower is None else p.lower))


def _value(literal: str) -> int | None:
    if literal in ("MINVALUE", "MAXVALUE"):
        return None
    return int(literal.strip("'"))


class LockNotGranted(RuntimeError):
    """A lock was not granted within ``LOCK_TIMEOUT``; the step is left for the next run."""


@contextmanager
def _transaction(engine: Engine, *, ddl: bool = False) -> Iterator[Connection]:
    """A transaction whose every lock wait is at most ``LOCK_TIMEOUT`` (the catalog reads too:
    ``pg_get_expr`` opens each partition), under the schema's advisory lock for ``ddl``."""
    try:
        with engine.begin() as conn:
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            if ddl:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
            yield conn
    except OperationalError as error:
        if "lock timeout" in str(error):
            raise LockNotGranted(str(error).splitlines()[0]) from error
        raise


def ensure_day(engine: Engine, day: int) -> bool:
    """Creates the partition of UTC day ``day`` unless a partition covers it, moving that
    day's blocks out of DEFAULT; True when created. False on SQLite, on a plain table, and when
    a lock was not granted in time (DEFAULT keeps taking the day's blocks meanwhile)."""
    if engine.dialect.name != "postgresql":
        return False
    lower, upper = day * DAY_MS, (day + 1) * DAY_MS
    name = day_name(day)
    try:
        with _transaction(engine) as conn:  # the usual answer, without the advisory lock
            if not is_partitioned(conn) or any(p.covers(lower) for p in partitions(conn)):
                return False
        with _transaction(engine, ddl=True) as conn:
            if any(p.covers(lower) for p in partitions(conn)):  # made meanwhile
                return False
            conn.execute(
                text(
                    f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                )
            )
            conn.execute(
                text(
                    f"WITH moved AS (DELETE FROM {DEFAULT}"
                    " WHERE start_ts >= :lo AND start_ts < :hi"
                    f" RETURNING {COLUMNS})"
                    f" INSERT INTO {name} ({COLUMNS}) SELECT {COLUMNS} FROM moved"
                ),
                {"lo": lower, "hi": upper},
            )
            conn.execute(
                text(
                    f"ALTER TABLE {PARENT} ATTACH PARTITION {name}"
                    f" FOR VALUES FROM ({lower}) TO ({upper})"
                )
            )
        return True
    except LockNotGranted:
        return False


def ensure_ahead(engine: Engine, now_ms: int, ahead: int = AHEAD_DAYS) -> list[int]:
    """Creates the partitions of today and the next ``ahead`` days; returns the days created."""
    today = day_of(now_ms)
    return [day for day in range(today, today + ahead + 1) if ensure_day(engine, day)]


def tidy_default(engine: Engine) -> list[int]:
    """Moves every block in DEFAULT into its day's new partition; returns those days."""
    if engine.dialect.name != "postgresql":
        return []
    try:
        with _transaction(engine) as conn:
            if not is_partitioned(conn):
                return []
            found = conn.execute(
                text(f"SELECT DISTINCT floor(start_ts / {DAY_MS}.0)::bigint FROM {DEFAULT}")
            ).scalars()
            days = sorted(int(day) for day in found)
    except LockNotGranted:
        return []
    return [day for day in days if ensure_day(engine, day)]


def drop_expired(engine: Engine, cutoffs: dict[int, int], age_cutoff_ms: int) -> int:
    """Drops (DETACH, DROP) each partition that ends at or before ``age_cutoff_ms`` (the raw
    age: a later partition may still be written) and whose every block ends before its host's
    cutoff (``cutoffs``: host id -> epoch ms); returns the samples the dropped blocks held.
    DEFAULT, and partitions holding a block of a host without a cutoff, are kept."""
    if engine.dialect.name != "postgresql":
        return 0
    try:
        with _transaction(engine) as conn:
            if not is_partitioned(conn):
                return 0
            due = [
                p
                for p in partitions(conn)
                if not p.default and p.upper is not None and p.upper <= age_cutoff_ms
            ]
    except LockNotGranted:
        return 0
    dropped = 0
    for partition in due:
        try:
            dropped += _drop_if_expired(engine, partition, cutoffs)
        except LockNotGranted:  # (its blocks are deleted one by one meanwhile)
            continue
    return dropped


def _drop_if_expired(engine: Engine, partition: Partition, cutoffs: dict[int, int]) -> int:
    """Checks and drops ``partition`` under an ACCESS EXCLUSIVE lock on the parent (taken
    first, as writers do, so no block arrives between the check and the drop)."""
    name = _checked(partition.name)
    with _transaction(engine, ddl=True) as conn:
        conn.execute(text(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE"))
        if not any(p.name == name for p in partitions(conn)):
            return 0  # another process dropped it
        held = conn.execute(
            text(f"SELECT host_id, max(end_ts), sum(count) FROM {name} GROUP BY host_id")
        ).all()
        if any(host not in cutoffs or end >= cutoffs[host] for host, end, _ in held):
            return 0
        conn.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))
        conn.execute(text(f"DROP TABLE {name}"))
        return sum(int(samples) for _, _, samples in held)


def _checked(name: str) -> str:
    """``name`` when it is one of ours (a day's or the upgrade's), else ValueError."""
    if _NAME.match(name) or name == "monitor_blocks_legacy":
        return name
    raise ValueError(f"not a partition of ours: {name!r}")
