"""A connection for ``PgNotifier`` that holds a server connection only inside a transaction.

An agent's relay used to keep a connection of its own open for ``NOTIFY``, beside the storage
writer's pooled one. ``PooledConnection`` looks like the part of a psycopg2 connection the
notifier uses (``cursor``, ``set_isolation_level``, ``commit``, ``close``) but borrows the
engine's pooled connection for each transaction and gives it back at the end of it, so the
writer and the relay of an agent share one connection (a pool of one:
``storage.engine.agent_pool``). Behind PgBouncer in transaction pooling mode that is what
PgBouncer expects: ``pg_notify`` inside a transaction, delivered at commit, and no session
state kept between transactions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import psycopg2
import psycopg2.extensions
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

AUTOCOMMIT = psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT


class PooledConnection:
    """Borrows ``engine``'s pooled connection per transaction (see the module docstring).

    In autocommit mode (how ``connector`` hands connections out) each ``with cursor()`` block
    is its own transaction; after ``set_isolation_level`` to another level the connection is
    kept from the first cursor until ``commit``. ``close`` gives back (and discards) a
    connection still borrowed, as after an error."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._borrowed: Any = None
        self._autocommit = True

    def set_isolation_level(self, level: int) -> None:
        self._autocommit = level == AUTOCOMMIT

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Any]:
        if self._borrowed is None:
            self._borrowed = self._borrow()
        with self._borrowed.cursor() as cursor:
            yield cursor
        if self._autocommit:
            self.commit()

    def _borrow(self) -> Any:
        """The pool's connection; a failure raised as psycopg2's own errors, which the
        notifier handles (it never sees SQLAlchemy's)."""
        try:
            return self._engine.raw_connection()
        except SQLAlchemyError as exc:  # the database's error, or the pool's timeout
            orig = exc.orig if isinstance(exc, DBAPIError) else None
            if isinstance(orig, psycopg2.Error):
                raise orig from exc
            raise psycopg2.OperationalError(str(exc)) from exc

    def commit(self) -> None:
        """Commits the borrowed connection's transaction and gives the connection back."""
        borrowed, self._borrowed = self._borrowed, None
        if borrowed is None:
            return
        try:
            borrowed.commit()
        except BaseException:
            _discard(borrowed)
            raise
        borrowed.close()  # back to the pool

    def close(self) -> None:
        """Gives back a connection still borrowed, discarding it (its state is unknown)."""
        borrowed, self._borrowed = self._borrowed, None
        if borrowed is not None:
            _discard(borrowed)


def pooled_connector(engine: Engine) -> Callable[[], PooledConnection]:
    """A ``connect`` function for ``PgNotifier`` over ``engine``'s pool."""
    return lambda: PooledConnection(engine)


def _discard(borrowed: Any) -> None:
    with contextlib.suppress(Exception):
        borrowed.invalidate()
    with contextlib.suppress(Exception):
        borrowed.close()
