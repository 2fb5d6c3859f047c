"""Streaming a query's rows from a DB-API cursor, a chunk at a time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection


def stream_rows(conn: Connection, query: Any, chunk_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    """Runs ``query`` (compiled with bound parameters) on a DB-API cursor of ``conn`` and yields
    its rows as plain tuples, ``chunk_rows`` at a time.

    On PostgreSQL the cursor is a named (server-side) cursor inside the connection's
    transaction, so the client holds one chunk at a time however long the range; SQLite steps
    through its result lazily anyway. Plain tuples instead of SQLAlchemy Rows halve the cost of
    a long read (measured in bench/history.py).
    """
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        bound: Any = tuple(params[name] for name in compiled.positiontup or ())
    else:
        bound = params
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    if conn.dialect.name == "postgresql":
        cursor = dbapi_connection.cursor(name=f"monitor_stream_{uuid.uuid4().hex}")
        cursor.itersize = chunk_rows
    else:
        cursor = dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), bound)
        while rows := cursor.fetchmany(chunk_rows):
            yield rows
    finally:
        cursor.close()
