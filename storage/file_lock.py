"""One writer per SQLite file: an OS lock (``flock``) on a lock file beside the database.

The process that owns a deployment takes it at start and holds it for its lifetime: gunicorn's
master before it forks (its workers inherit the lock with the descriptor, so a reload or a
restarted worker never meets it as someone else's), an agent when it starts. A second process
on the same file is refused with ``DatabaseInUse``, which names the pid written in the lock
file. The kernel drops the lock when the last descriptor of it closes, however the process
ends, so a lock file left by a dead process blocks nothing. PostgreSQL needs none of this: its
processes elect one sampler per host (``app.cluster``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"


class DatabaseInUse(RuntimeError):
    """Another process holds the writer lock of this SQLite file."""

    def __init__(self, database: str, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "a process that has not written its pid"
        super().__init__(
            f"{database} is being written by another monitor process ({holder}): one process "
            "writes a SQLite file; stop that one, or use another --database-url"
        )
        self.pid = pid


class _Held:
    """A lock this process holds: its descriptor, the pid that took it (a forked child holds
    it through inheritance) and how many holders share it. (Not a dataclass: gunicorn's master
    takes the lock, and ``dataclasses`` alone would add to its memory.)"""

    __slots__ = ("count", "fd", "owner")

    def __init__(self, fd: int, owner: int, count: int) -> None:
        self.fd = fd
        self.owner = owner
        self.count = count


_held: dict[Path, _Held] = {}
_unlockable: set[Path] = set()  # lock files that could not be made (warned about once)
_registry_lock = threading.Lock()


def lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite database file (``monitor.db.lock``); None for PostgreSQL,
    in-memory databases and ``file:`` URIs."""
    from storage.urls import sqlite_file

    database = sqlite_file(database_url)
    if database is None:
        return None
    path = Path(database).expanduser().absolute()
    return path.with_name(path.name + LOCK_SUFFIX)


def hold_writer_lock(database_url: str) -> Path | None:
    """Takes (or, when this process or its parent already holds it, shares) the writer lock
    of ``database_url``; returns the lock file, or None when there is nothing to lock.

    Raises ``DatabaseInUse`` when another process holds it. A lock file that cannot be made
    (a read-only folder) is logged and not fatal: the database reports its own trouble.
    """
    path = lock_path(database_url)
    return None if path is None else hold_lock_file(path)


def hold_lock_file(lock_file: str | Path) -> Path | None:
    """``hold_writer_lock`` by the lock file's path (``lock_path``), as gunicorn's master takes
    it from the answer of its start checks."""
    path = Path(lock_file)
    with _registry_lock:
        held = _held.get(path)
        if held is not None:
            held.count += 1
            return path
        if path in _unlockable:
            return None
        fd = _open(path)
        if fd is None:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise DatabaseInUse(str(path)[: -len(LOCK_SUFFIX)], pid) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[path] = _Held(fd, os.getpid(), 1)
        return path


def release_writer_lock(path: Path | None) -> None:
    """Gives back one ``hold_writer_lock``; the last one of the process that took the lock
    releases it. A forked child never releases its parent's lock (the lock belongs to the
    shared descriptor: unlocking it in the child would unlock it for the parent too)."""
    if path is None:
        return
    with _registry_lock:
        held = _held.get(path)
        if held is None or held.owner != os.getpid():
            return
        held.count -= 1
        if held.count > 0:
            return
        del _held[path]
        os.close(held.fd)  # this process's only descriptor of the lock: the lock goes with it


def _open(path: Path) -> int | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        _unlockable.add(path)
        log.warning("cannot make the writer lock %s (%s): a second writer would not be refused",
                    path, exc.strerror or exc)  # fmt: skip
        return None


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None
