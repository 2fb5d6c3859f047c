"""Engines from database URLs: SQLite (WAL, folder created) or PostgreSQL through psycopg2."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from storage.urls import (
    DEFAULT_DATABASE_URL,
    SUPPORTED_DRIVERS,
    SUPPORTED_URLS,
    normalize_url,
    parse_url,
    sqlite_file,
    url_problem,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "SUPPORTED_DRIVERS",
    "SUPPORTED_URLS",
    "agent_pool",
    "insert_for",
    "make_engine",
    "normalize_url",
    "url_problem",
]

log = logging.getLogger(__name__)


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: object) -> Engine:
    """An engine for ``url``; for a SQLite file the folder is created and WAL mode turned on."""
    problem = url_problem(url)
    if problem:
        raise ValueError(f"database URL {problem}: use {SUPPORTED_URLS}")
    url = normalize_url(url)
    if parse_url(url).backend == "sqlite":
        database = sqlite_file(url)
        if database:
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # reported by the first query, not fatal here
                log.error("cannot create the folder of %s: %s", database, exc)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)  # PostgreSQL: url_problem lets only the two through
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **kwargs)


def agent_pool(url: str, *, maintenance: bool = False) -> dict[str, Any]:
    """The engine options of an agent's store on PostgreSQL: one pooled connection that the
    writer, the relay (``app.cluster.pooled``) and the alerts share, taking turns, and none
    opened beyond it; a second one only for an agent that runs the history job (its lock is
    held on one connection while the work uses another). Nothing for SQLite."""
    if parse_url(normalize_url(url)).backend == "sqlite":
        return {}
    return {"pool_size": 1, "max_overflow": 1 if maintenance else 0, "pool_timeout": 30}


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def insert_for(dialect_name: str) -> Any:
    """The ``insert`` construct with ``ON CONFLICT`` of a connection's dialect (``postgresql``
    or ``sqlite``). SQLAlchemy's PostgreSQL dialect module costs a worker on SQLite tens of
    milliseconds and megabytes at start: it is imported when first written to, not at import."""
    name = "postgresql" if dialect_name == "postgresql" else "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{name}").insert
