"""Helpers shared by the benchmarks: machine description, databases, sizes, markdown tables."""

from __future__ import annotations

import os
import platform
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

from storage.engine import make_engine

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def machine() -> str:
    """One line naming the machine the figures come from."""
    freq = psutil.cpu_freq()
    mhz = f" @ {freq.current:.0f} MHz" if freq else ""
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{platform.machine()} {psutil.cpu_count()} logical cores{mhz}, {memory:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


@contextmanager
def pg_schema(base_url: str = PG_URL) -> Iterator[str]:
    """A fresh PostgreSQL schema for the duration of a benchmark; yields its URL."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def pg_database(base_url: str = PG_URL) -> Iterator[str]:
    """A fresh PostgreSQL database for the duration of a benchmark (for clients that cannot
    choose a schema, such as those behind PgBouncer); yields its URL, then drops it."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        base_url.replace("postgresql://", "postgresql+psycopg2://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base_url.split("?", 1)[0].rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_bytes(url: str, tables: Sequence[str]) -> int:
    """Bytes the given tables take with their indexes: PostgreSQL relation sizes (TOAST too),
    SQLite pages from its ``dbstat`` table."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                return sum(
                    conn.execute(text("SELECT pg_total_relation_size(:t)"), {"t": t}).scalar_one()
                    for t in tables
                )
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            total = 0
            for t in tables:  # the table's pages and those of its indexes (dbstat)
                total += conn.execute(
                    text(
                        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = :t"
                        " OR name IN (SELECT name FROM sqlite_schema WHERE tbl_name = :t)"
                    ),
                    {"t": t},
                ).scalar_one()
            return total
    finally:
        engine.dispose()


def sqlite_url(folder: Path, name: str) -> str:
    path = folder / name
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the given processes (all their threads), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS_PER_SECOND


def alternating_cpu_ms(
    steps: Mapping[str, Callable[[], object]], ticks: int, per_round: int = 10, warm: int = 5
) -> dict[str, float]:
    """Mean process CPU ms per call of each step, run in alternating short rounds (``per_round``
    calls each, well under a second) so that bursts of machine noise hit every step alike;
    ``ticks`` is the number of calls each step gets in all. ``NAME:best`` is the step's
    fastest round, per call (the least disturbed by other work on the machine)."""
    for _ in range(warm):  # warm caches, first readings
        for step in steps.values():
            step()
    spent = dict.fromkeys(steps, 0.0)
    best = dict.fromkeys(steps, float("inf"))
    rounds = max(1, ticks // per_round)
    for _ in range(rounds):
        for name, step in steps.items():
            started = time.process_time()
            for _ in range(per_round):
                step()
            took = time.process_time() - started
            spent[name] += took
            best[name] = min(best[name], took)
    count = per_round * rounds
    means = {name: 1000.0 * total / count for name, total in spent.items()}
    fastest = {f"{name}:best": 1000.0 * took / per_round for name, took in best.items()}
    return means | fastest | {"ticks": count}
