"""What a failing database is said to be, and folding SQLite's WAL (storage/health.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from storage.engine import make_engine
from storage.health import failure_kind, fold_wal
from storage.store import MetricStore
from tests.support.samples import make_sample


def error(message: str) -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception(message))


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("attempt to write a readonly database", "read-only"),
        ("cannot execute INSERT in a read-only transaction", "read-only"),
        ("cannot execute INSERT during recovery", "read-only"),
        ("connection refused", "unreachable"),
        ("unable to open database file", "unreachable"),  # on a writable folder
    ],
)
def test_failure_kind_from_the_message(tmp_path: Path, message: str, kind: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert failure_kind(engine, error(message)) == kind


def test_failure_kind_of_postgresql_says_nothing_of_files() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    assert failure_kind(engine, error("could not connect")) == "unreachable"


def test_fold_wal_empties_the_wal_into_the_database(tmp_path: Path) -> None:
    store = MetricStore(make_engine(f"sqlite:///{tmp_path / 'm.db'}"))
    store.write_batch([make_sample(i, host="h") for i in range(200)])
    wal = tmp_path / "m.db-wal"
    assert wal.stat().st_size > 0
    assert fold_wal(store.engine)
    assert wal.stat().st_size == 0
    assert len(store.read_frame("h", 0, 2e9, ["cpu.total"])) == 200
    store.engine.dispose()


def test_fold_wal_on_postgresql_has_nothing_to_do() -> None:
    assert fold_wal(make_engine("postgresql://nobody@127.0.0.1:1/none"))
