"""PostgreSQL helpers of the cluster: connections, names and keys scoped to one deployment.

A deployment is one database and schema: the relay's channels (one for every host's summaries,
one per host for its whole samples), the election's lock key and the election connection's
``application_name`` all carry it, so two dashboards sharing a server
never hear or block each other.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions
from sqlalchemy import Engine

_origins: dict[int, str] = {}

ELECTION_APP_PREFIX = "monitor-election "


def process_origin() -> str:
    """An id of this process for relayed messages; computed per pid, so a worker forked from a
    master that imported this module still gets its own."""
    pid = os.getpid()
    if pid not in _origins:
        _origins[pid] = f"{pid}-{uuid.uuid4().hex[:8]}"
    return _origins[pid]


def deployment_scope(connection: Any) -> str:
    """``database/schema`` of ``connection``: deployments in other schemas or databases of the
    same server share neither lock keys nor NOTIFY channels (both are server-wide)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
    return f"{database}/{schema}"


def summary_channel(scope: str) -> str:
    """The summary channel of a deployment scope: every host's summaries (a valid unquoted
    identifier, lower-case hex: no host name or other input reaches a LISTEN raw)."""
    return "monitor_s_" + hashlib.sha256(scope.encode()).hexdigest()[:16]


def host_channel(scope: str, host: str) -> str:
    """The channel of ``host``'s whole samples in a deployment scope, by hash (a valid unquoted
    identifier whatever the host's name)."""
    digest = hashlib.sha256(f"monitor-host:{scope}:{host}".encode()).hexdigest()[:24]
    return "monitor_h_" + digest


def sampler_lock_key(host: str, scope: str = "") -> int:
    """The advisory lock key (a signed 64-bit integer) that elects the sampler of ``host``."""
    digest = hashlib.sha256(f"monitor-sampler:{scope}:{host}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def election_application_name(origin: str | None = None) -> str:
    """The ``application_name`` of this process's election sessions (shows in pg_stat_activity
    and lets a process recognise a stale session of its own)."""
    return ELECTION_APP_PREFIX + (origin or process_origin())


def connector(engine: Engine, application_name: str | None = None) -> Callable[[], Any]:
    """A function opening a fresh autocommit psycopg2 connection to ``engine``'s database."""

    def connect() -> Any:
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        if application_name:
            kwargs = {**kwargs, "application_name": application_name}
        connection = psycopg2.connect(*args, **kwargs)
        connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        return connection

    return connect


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):
        connection.close()
