"""The database schema (SQLAlchemy Core), created idempotently.

Chosen by measurement (docs/benchmarks.md, "Schema"): one row per host and tick whose numeric
values are packed as float64 in a blob, addressed through a shared *layout* (the ordered list of
series names). Compared with one row per value, this stores a tick in a fraction of the bytes on
both databases and reads a day back into pandas far faster, because a read is one index range
scan plus one ``numpy.frombuffer`` per layout.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    event,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import DDL

metadata = MetaData()

hosts = Table(
    "monitor_hosts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("info", Text, nullable=False, default="{}"),  # JSON: the sample's "system" section
    Column("last_ts", BigInteger, nullable=False, default=0),  # ms of the newest stored sample
)

layouts = Table(
    "monitor_layouts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False, unique=True),  # sha256 of the names
    Column("names", Text, nullable=False),  # JSON list of series names, in packed order
)

samples = Table(
    "monitor_samples",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("ts", BigInteger, primary_key=True, autoincrement=False),  # UTC epoch milliseconds
    Column("layout_id", Integer, nullable=False),
    Column(
        "data", LargeBinary, nullable=False
    ),  # little-endian float64 per layout name, NaN = none
    sqlite_with_rowid=False,
)

# History blocks (storage/blocks.py, storage/compaction.py): ``count`` samples of one host and
# layout, ``start_ts`` to ``end_ts`` (epoch ms, both included), encoded as one blob. Blocks of a
# host never overlap; their samples are no longer in ``monitor_samples``. On PostgreSQL the table
# is partitioned by ``start_ts``, a partition a UTC day plus a DEFAULT one (storage/partitions.py).
blocks = Table(
    "monitor_blocks",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("start_ts", BigInteger, primary_key=True, autoincrement=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("layout_id", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
    postgresql_partition_by="RANGE (start_ts)",
)
# Created with the parent (a new database, or the upgrade of a plain table, storage/upgrade.py),
# so a block of a day without a partition yet is stored there, never refused.
event.listen(
    blocks,
    "after_create",
    DDL("CREATE TABLE monitor_blocks_default PARTITION OF monitor_blocks DEFAULT").execute_if(
        dialect="postgresql"
    ),
)

process_snapshots = Table(
    "monitor_process_snapshots",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("ts", BigInteger, primary_key=True, autoincrement=False),
    Column(
        "data", LargeBinary, nullable=False
    ),  # zlib-compressed JSON {"top_cpu": [], "top_mem": []}
    sqlite_with_rowid=False,
)

# Older process snapshots, many of a host in one compressed blob (storage/snapshot_blocks.py,
# storage/snapshot_compaction.py): the snapshots from start_ts to end_ts (epoch ms).
snapshot_blocks = Table(
    "monitor_snapshot_blocks",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("start_ts", BigInteger, primary_key=True, autoincrement=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

# Rollups (storage/rollups.py): per host, tier (bucket width in seconds: 60 or 3600) and
# bucket, the count, min, mean and max of every series over the bucket, packed like samples
# (count as float64 too) under one layout.
rollups = Table(
    "monitor_rollups",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("tier", Integer, primary_key=True, autoincrement=False),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),  # start, epoch ms
    Column("layout_id", Integer, nullable=False),
    Column("n", LargeBinary, nullable=False),
    Column("vmin", LargeBinary, nullable=False),
    Column("vmean", LargeBinary, nullable=False),
    Column("vmax", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

# What each process name used per host and hour (storage/process_rollups.py): zlib-compressed
# JSON {name: [cpu_s, rss_peak, rss_sum, top_s, pids, user, command]} (storage.process_usage).
process_usage = Table(
    "monitor_process_usage",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),  # hour start, epoch ms
    Column("data", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

# How far each host's tier is rolled up: every bucket that ends at or before ``done_until``
# (epoch ms) is complete and stored.
rollup_state = Table(
    "monitor_rollup_state",
    metadata,
    Column("host_id", Integer, primary_key=True, autoincrement=False),
    Column("tier", Integer, primary_key=True, autoincrement=False),
    Column("done_until", BigInteger, nullable=False),
)

# Alerts (storage/alert_events.py): every transition of every alert (pending, firing,
# escalated, repeated, resolved, cancelled, acknowledged) with its evidence; ``notified_ts``
# is set once its notification was delivered, so a restart never sends it again.
alert_events = Table(
    "monitor_alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", BigInteger, nullable=False, index=True),  # epoch ms
    Column("kind", String(16), nullable=False),
    Column("rule", String(255), nullable=False),
    Column("host", String(255), nullable=False),
    Column("series", String(512), nullable=False, default=""),
    Column("severity", String(16)),
    Column("value", Float),
    Column("threshold", Float),
    Column("since", BigInteger),  # epoch ms the alert started (pending)
    Column("labels", Text, nullable=False, default="{}"),
    Column("evidence", Text, nullable=False, default=""),
    Column("muted", String(64), nullable=False, default=""),
    Column("actor", String(255), nullable=False, default=""),  # who acknowledged
    Column("notified_ts", BigInteger),
)

# Each attempt to deliver one notification message to one target (never the target's URL).
alert_deliveries = Table(
    "monitor_alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", BigInteger, nullable=False),
    Column("event_ids", Text, nullable=False),  # JSON list of monitor_alert_events ids
    Column("target", String(64), nullable=False),  # "json #1": scheme and position only
    Column("attempt", Integer, nullable=False),
    Column("ok", Integer, nullable=False),
    Column("error", Text, nullable=False, default=""),
)

# Silences: glob matchers over rule, host and series, in force until ``until``.
alert_silences = Table(
    "monitor_alert_silences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(255), nullable=False, default="*"),
    Column("host", String(255), nullable=False, default="*"),
    Column("series", String(512), nullable=False, default="*"),
    Column("until", BigInteger, nullable=False),  # epoch ms
    Column("created", BigInteger, nullable=False),
    Column("actor", String(255), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
)

# The alerts' revision (storage/alert_revision.py): one row (id 1) whose value every write that
# changes what GET /api/v1/alerts answers bumps in its own transaction.
alert_revision = Table(
    "monitor_alert_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False, default=0),
)


SCHEMA_LOCK_KEY = 0x6D6F6E69  # "moni": serializes schema creation across processes on PostgreSQL


def create_schema(engine: Engine) -> None:
    """Creates every table that does not exist yet; safe to call from many processes at once.

    PostgreSQL serializes the creators with an advisory lock. SQLite has none: when another
    process created a table between our check and our CREATE, the "already exists" error means
    that table is done, so we check again (once per table at most) instead of failing.
    """
    attempts = len(metadata.tables) + 1  # each collision is over a table the other made
    for attempt in range(attempts):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY}
                    )
                metadata.create_all(connection, checkfirst=True)
            return
        except OperationalError as error:
            if "already exists" not in str(error) or attempt == attempts - 1:
                raise
