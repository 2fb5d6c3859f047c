"""The SQLite writer lock: flock on a file beside the database, shared within a process,
refused to another one (naming its pid), never blocked by a dead process's lock file."""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from storage.file_lock import DatabaseInUse, hold_writer_lock, lock_path, release_writer_lock
from tests.support.servers import ROOT

HOLDER = """
import sys
from storage.file_lock import hold_writer_lock
hold_writer_lock(sys.argv[1])
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


def locked_by_someone(path: Path) -> bool:
    """Whether a new descriptor of ``path`` cannot take the lock (someone holds it)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_lock_files_sit_beside_sqlite_files_only(tmp_path: Path) -> None:
    assert lock_path(f"sqlite:///{tmp_path / 'm.db'}") == tmp_path / "m.db.lock"
    assert lock_path("sqlite:///data/monitor.db") == Path.cwd() / "data" / "monitor.db.lock"
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:m?mode=memory&uri=true"):
        assert lock_path(url) is None, url
    assert lock_path("postgresql+psycopg2://postgres@127.0.0.1/test") is None


def test_one_process_shares_its_lock_and_releases_it_with_the_last_holder(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'm.db'}"
    path = hold_writer_lock(url)
    assert path == tmp_path / "sub" / "m.db.lock"
    assert path.read_text() == f"{os.getpid()}\n"
    assert hold_writer_lock(url) == path  # a second monitor of this process
    release_writer_lock(path)
    assert locked_by_someone(path)
    release_writer_lock(path)
    assert not locked_by_someone(path)
    release_writer_lock(path)  # once too often: nothing happens


def test_another_process_is_refused_with_its_pid_and_a_dead_one_blocks_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(DatabaseInUse, match=f"pid {holder.pid}") as refused:
            hold_writer_lock(url)
        assert refused.value.pid == holder.pid
        assert str(tmp_path / "m.db") in str(refused.value)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)
        holder.stdout.close()
    path = tmp_path / "m.db.lock"
    assert path.read_text() == f"{holder.pid}\n"  # left behind by the dead process
    assert hold_writer_lock(url) == path
    assert path.read_text() == f"{os.getpid()}\n"
    release_writer_lock(path)


def test_a_lock_file_that_cannot_be_made_is_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:////proc/monitor-test-{uuid.uuid4().hex[:8]}/m.db"
    with caplog.at_level(logging.WARNING, logger="storage.file_lock"):
        assert hold_writer_lock(url) is None
        assert hold_writer_lock(url) is None  # (a gunicorn worker after its master)
    warnings = [r for r in caplog.records if "a second writer would not be refused" in r.message]
    assert len(warnings) == 1
