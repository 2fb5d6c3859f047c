"""The files authentication rests on: the users file and the installation's session key.

Both must be private. The users file (``name:hash`` lines, ``MONITOR_USERS_FILE``) is refused
when others can read it or anyone but its owner can write it, and re-read when it changes, so a
removed user is gone at once. The session key is ``MONITOR_SECRET_KEY`` or else 32 random bytes
made once per installation in the data folder with mode 0600; it is never derived from the
users file (whose hashes would then be enough to forge a session).

Kept free of the web stack: gunicorn's master runs these checks before it forks.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import threading
from pathlib import Path

from app.config import Config, ConfigError

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
_SQLITE = "sqlite:///"


def data_folder(config: Config) -> Path:
    """``MONITOR_DATA_DIR``, else the SQLite database's folder, else ``data``."""
    if config.data_dir:
        return Path(config.data_dir)
    url = config.database_url
    if url.startswith(_SQLITE) and url[len(_SQLITE) :] not in ("", ":memory:"):
        return Path(url[len(_SQLITE) :].split("?", 1)[0]).parent
    return Path("data")


def private_file_problem(path: Path, what: str) -> str | None:
    """Why ``path`` is not private enough for ``what``, or None (a missing file is no problem
    here; reading it says so)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{what} {str(path)!r} cannot be read: {exc.strerror}"
    if mode & (stat.S_IRWXO | stat.S_IWGRP):
        return (
            f"{what} {str(path)!r} can be read or changed by others (mode "
            f"{stat.S_IMODE(mode):04o}): run chmod 600 {path}"
        )
    return None


def load_users(path: str) -> dict[str, str]:
    """``name:hash`` lines (``python -m app hash-password``); blank lines and ``#`` ignored."""
    problem = private_file_problem(Path(path), "MONITOR_USERS_FILE")
    if problem:
        raise ConfigError(problem)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ConfigError(f"MONITOR_USERS_FILE {path!r} cannot be read: {reason}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not name or "$" not in hashed:
            raise ConfigError(f"MONITOR_USERS_FILE line {number}: expected name:password-hash")
        users[name] = hashed
    return users


class UsersFile:
    """The users file, re-read whenever it changes (size, time or inode), so that removing a
    user or changing a password takes effect on the next request in every worker. A file that
    turns unreadable, public or malformed lets nobody in by name (logged once per change)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int, int] | None = None
        self._users = load_users(path)  # at start, a bad file is a configuration error
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[int, int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_mode)

    def users(self) -> dict[str, str]:
        stamp = self._current_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._users = load_users(self.path)
                except ConfigError as exc:
                    log.warning("%s; nobody can sign in by name until it is fixed", exc)
                    self._users = {}
            return self._users


def installation_key(config: Config) -> str:
    """``MONITOR_SECRET_KEY``, or this installation's random key (made on first use)."""
    if config.secret_key:
        return config.secret_key
    path = data_folder(config) / KEY_FILE
    if not path.exists():
        _create_key(path)
    problem = private_file_problem(path, "the session key")
    if problem:
        raise ConfigError(problem)
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a key"
        raise ConfigError(f"the session key {str(path)!r} cannot be read: {reason}") from None
    if len(key) < 32:
        raise ConfigError(f"the session key {str(path)!r} is too short: delete it for a new one")
    return key


def _create_key(path: Path) -> None:
    """Writes a new key atomically; when another process wins the race, its key stays."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    except OSError as exc:
        raise ConfigError(
            f"cannot create the session key in {str(path.parent)!r}: {exc.strerror}; "
            "set MONITOR_DATA_DIR to a writable folder or MONITOR_SECRET_KEY"
        ) from None
