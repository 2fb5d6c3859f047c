"""A throwaway PgBouncer in transaction pooling mode in front of the suite's PostgreSQL.

``pgbouncer(server_url)`` writes an ini and a user list into a temporary folder, starts Debian's
``pgbouncer`` (``tools/ensure-pgbouncer`` installs it; a missing binary fails the test, never
skips it) on a free loopback port in the foreground, waits until it accepts connections, and
yields its URL with the same user and database; it is stopped and the folder removed after.
PgBouncer refuses to run as root, so under root it runs as ``postgres`` (else ``nobody``), which
needs to read the folder: the files hold no secret (trust authentication).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.throwaway_postgres import answers, free_port

POOL_SIZE = 10  # server connections per database and user: the fleet's whole share
MAX_CLIENTS = 2000
SEARCH_PATH = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def pgbouncer_binary() -> str:
    """The pgbouncer executable; AssertionError (a failing test) naming the fix when missing."""
    found = shutil.which("pgbouncer") or shutil.which(
        "pgbouncer", path=os.pathsep.join(SEARCH_PATH)
    )
    if not found:
        raise AssertionError("pgbouncer is not installed: run tools/ensure-pgbouncer")
    return found


def ini_text(server_url: str, port: int, folder: Path, pool_size: int) -> str:
    """The ini of a transaction-pooling PgBouncer forwarding every database to ``server_url``."""
    server = urlsplit(server_url)
    return "\n".join(
        [
            "[databases]",
            f"* = host={server.hostname or '127.0.0.1'} port={server.port or 5432}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {port}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {folder / 'userlist.txt'}",
            "pool_mode = transaction",
            f"default_pool_size = {pool_size}",
            "reserve_pool_size = 0",
            f"max_client_conn = {MAX_CLIENTS}",
            f"logfile = {folder / 'pgbouncer.log'}",
            f"pidfile = {folder / 'pgbouncer.pid'}",
            "",
        ]
    )


def _run_as() -> list[str]:
    """``-u USER`` when root (PgBouncer refuses to run as root), else nothing."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["-u", user]
    raise AssertionError("pgbouncer cannot run as root and neither postgres nor nobody exists")


def pooled_url(server_url: str, port: int) -> str:
    """``server_url`` with PgBouncer's port in place of the server's (no query: PgBouncer
    refuses startup parameters such as ``options``)."""
    parts = urlsplit(server_url)
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@contextmanager
def pgbouncer(server_url: str, pool_size: int = POOL_SIZE) -> Iterator[str]:
    """Runs a throwaway PgBouncer before ``server_url``'s server; yields its URL."""
    binary = pgbouncer_binary()
    folder = Path(tempfile.mkdtemp(prefix="monitor-test-pgbouncer-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        folder.chmod(0o777)  # the unprivileged user writes its log and pid file here
        user = urlsplit(server_url).username or "postgres"
        (folder / "userlist.txt").write_text(f'"{user}" ""\n')
        port = free_port()
        ini = folder / "pgbouncer.ini"
        ini.write_text(ini_text(server_url, port, folder, pool_size))
        process = subprocess.Popen(
            [binary, "-q", *_run_as(), str(ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while not answers("127.0.0.1", port, timeout=0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pgbouncer did not start: {_log(folder, process)}")
            time.sleep(0.05)
        yield pooled_url(server_url, port)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()  # SIGTERM: immediate shutdown
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process is not None and process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def _log(folder: Path, process: subprocess.Popen[bytes]) -> str:
    """What pgbouncer said before it died (its log file, else stderr), in one line."""
    log = folder / "pgbouncer.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    if not text and process.poll() is not None and process.stderr is not None:
        text = process.stderr.read().decode(errors="replace")
    return " | ".join(text.strip().splitlines()[-5:]) or f"exit code {process.poll()}"
