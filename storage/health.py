"""What a failing database is, and putting a SQLite file back in shape after an outage.

``failure_kind`` tells a database that refuses writes ("read-only": a read-only file, folder or
mount, a PostgreSQL standby or read-only transaction) from one that cannot be reached; SQLite
says only "unable to open database file" for a file on a read-only mount, so its folder is
looked at too. ``fold_wal`` checkpoints a SQLite file's write-ahead log into the database and
truncates it: after a full disk the writer stores its whole buffer at once, the WAL grows to
hold it and, left alone, keeps that size, so the disk fills again soon after space is freed.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage.outage import READ_ONLY_WORDS

log = logging.getLogger(__name__)
FOLD_WAIT_MS = 1000  # how long a checkpoint waits for readers on an older snapshot
BUSY_TIMEOUT_MS = 30000  # the engine's own busy timeout (storage.engine), restored after


def sqlite_path(engine: Engine) -> Path | None:
    """The file behind a SQLite engine, or None (another database, in memory, a URI)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database).expanduser()


def failure_kind(engine: Engine, error: BaseException) -> str:
    """ "read-only" or "unreachable": what ``error``, raised by ``engine``, says of the database."""
    text = str(getattr(error, "orig", None) or error).lower()
    if any(word in text for word in READ_ONLY_WORDS):
        return "read-only"
    path = sqlite_path(engine)
    if path is not None and _read_only(path if path.exists() else path.parent):
        return "read-only"
    return "unreachable"


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY) or not os.access(path, os.W_OK)
    except OSError:
        return False


def fold_wal(engine: Engine, wait_ms: int = FOLD_WAIT_MS) -> bool:
    """Checkpoints a SQLite engine's WAL into the database file and truncates it; True when
    done (or nothing to do: another database). Readers still on an older snapshot are waited
    for ``wait_ms`` at most (not the engine's 30 s): then False, and the caller tries again
    later. A failure is logged, not raised."""
    path = sqlite_path(engine)
    if path is None:
        return True
    wal = path.with_name(path.name + "-wal")
    before = wal.stat().st_size if wal.exists() else 0
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except SQLAlchemyError as exc:
        log.warning("could not checkpoint the SQLite WAL: %s", str(exc).splitlines()[0])
        return False
    if busy:
        log.info("SQLite WAL checkpoint waits for readers (%d KiB in the WAL)", before // 1024)
        return False
    log.info("SQLite WAL checkpointed: %d KiB folded into the database file", before // 1024)
    return True
