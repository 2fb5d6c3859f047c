"""How much space the history takes, per table, on either database."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.schema import metadata

HISTORY_TABLES = (
    "monitor_samples",
    "monitor_blocks",
    "monitor_rollups",
    "monitor_process_snapshots",
    "monitor_snapshot_blocks",
    "monitor_layouts",
    "monitor_hosts",
    "monitor_rollup_state",
)


def storage_bytes(engine: Engine) -> dict[str, int]:
    """Bytes per history table, indexes included: ``pg_total_relation_size`` on PostgreSQL
    (the tables of the connection's search path; a partitioned table's partitions summed),
    ``dbstat`` pages on SQLite."""
    names = [t for t in HISTORY_TABLES if t in metadata.tables]
    sizes: dict[str, int] = {}
    try:
        return _sizes(engine, names, sizes)
    except OperationalError:  # a SQLite built without dbstat: the whole file
        if engine.dialect.name == "postgresql":
            raise
        with engine.connect() as conn:
            pages = conn.execute(text("PRAGMA page_count")).scalar_one()
            size = conn.execute(text("PRAGMA page_size")).scalar_one()
        return {"database": int(pages) * int(size)}


def _sizes(engine: Engine, names: list[str], sizes: dict[str, int]) -> dict[str, int]:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            query = text(  # (no partition tree for a plain table: its own size)
                "SELECT coalesce((SELECT sum(pg_total_relation_size(relid))"
                " FROM pg_partition_tree(to_regclass(:t))),"
                " pg_total_relation_size(to_regclass(:t)), 0)"
            )
            for name in names:
                sizes[name] = int(conn.execute(query, {"t": name}).scalar_one())
            return sizes
        # One pass over the file: pages per b-tree, indexes counted with their table.
        owner = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_schema")).all())
        sizes.update(dict.fromkeys(names, 0))
        pages = conn.execute(text("SELECT name, pgsize FROM dbstat WHERE aggregate = 1"))
        for name, size in pages:
            table = owner.get(name, name)
            if table in sizes:
                sizes[table] += int(size)
    return sizes


def human_bytes(count: float) -> str:
    """``count`` bytes as ``12.3 MiB`` (powers of 1024, one decimal above bytes)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"
