"""A throwaway schema on the real PostgreSQL for each test that asks for one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text

from tests.support.throwaway_postgres import resolve_test_database_url

_resolved: list[str] = []


def test_database_url() -> str:
    """The PostgreSQL URL of the suite (tests/support/throwaway_postgres.py), resolved once."""
    if not _resolved:
        _resolved.append(resolve_test_database_url())
    return _resolved[0]


def __getattr__(name: str) -> str:
    if name == "TEST_DATABASE_URL":  # resolved on first use: may start the suite's own server
        return test_database_url()
    raise AttributeError(name)


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` as their search path."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def temporary_schema(base_url: str | None = None) -> Iterator[str]:
    """Creates a fresh schema, yields a database URL that uses it, then drops it.

    Fails (never skips) when PostgreSQL is unreachable: CI must run every storage test there.
    """
    base_url = base_url or test_database_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield with_search_path(base_url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def temporary_database(base_url: str | None = None) -> Iterator[str]:
    """Creates a fresh database on ``base_url``'s server, yields its URL, then drops it
    (ending its sessions). For clients that cannot pick a schema with ``options``, such as
    those behind PgBouncer in transaction pooling mode."""
    base_url = base_url or test_database_url()
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        base_url.replace("postgresql://", "postgresql+psycopg2://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
