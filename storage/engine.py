"""Engines from database URLs: SQLite (WAL, folder created) or PostgreSQL through psycopg2."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
SUPPORTED_URLS = "sqlite:///path or postgresql://user@host/db"
# SQLAlchemy driver names of the supported URLs, once normalized (the drivers we ship).
SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg2")


def normalize_url(url: str) -> str:
    """Maps ``postgres://`` and ``postgresql://`` to the psycopg2 driver; other URLs unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a database URL of ours (it does not parse, or names another
    database or driver), or None. Connects to nothing."""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        return "is not a database URL"
    if parsed.drivername not in SUPPORTED_DRIVERS:
        return f"scheme {parsed.drivername + '://'!r} is not supported"
    return None


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: object) -> Engine:
    """An engine for ``url``; for a SQLite file the folder is created and WAL mode turned on."""
    problem = url_problem(url)
    if problem:
        raise ValueError(f"database URL {problem}: use {SUPPORTED_URLS}")
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
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


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
