"""The alerts' revision (storage/alert_revision.py) on SQLite and PostgreSQL: every write that
changes what the alerts API answers bumps it, concurrent writers lose no bump, an existing
database without the table gains it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, inspect

from storage import alert_revision
from storage.alert_events import AlertEventStore
from storage.alert_revision import Revision, revision_for
from storage.engine import make_engine
from storage.schema import alert_revision as revision_table
from storage.schema import create_schema
from tests.support.postgres import temporary_schema

T0 = 1_700_000_000.0


def event(kind: str = "firing", ts: float = T0) -> dict:
    return {"ts": ts, "kind": kind, "rule": "cpu", "host": "h1", "series": "cpu.total",
            "severity": "warning", "value": 95.0, "threshold": 90.0}  # fmt: skip


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return alert_revision.read(conn)


def silence(store: AlertEventStore) -> int:
    return store.add_silence(rule="cpu", host="*", series="*", until=T0 + 3600, actor="me",
                             note="", now=T0)  # fmt: skip


@pytest.fixture
def store(database_url: str) -> AlertEventStore:
    return AlertEventStore(make_engine(database_url), Revision())


WRITES: dict[str, Callable[[AlertEventStore], object]] = {
    "record": lambda s: s.record([event()]),
    "acknowledge": lambda s: s.record([event("acknowledged")]),
    "mark_notified": lambda s: s.mark_notified(s.record([event()]), T0 + 1),
    "add_silence": silence,
    "end_silence": lambda s: s.end_silence(silence(s), T0 + 10),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_writer_bumps_the_revision(store: AlertEventStore, write: str) -> None:
    store.ensure_schema()
    assert stored(store.engine) == 0 and store.revision.known == 0
    writes = {"mark_notified": 2, "end_silence": 2}.get(write, 1)  # each step is a write
    WRITES[write](store)
    assert stored(store.engine) == writes
    assert store.revision.known == writes  # the value after this process's own bump


def test_what_changes_nothing_bumps_nothing(store: AlertEventStore) -> None:
    store.record([])
    store.mark_notified([], T0)
    assert not store.end_silence(99, T0)
    store.record_attempt([1], "json #1", 1, True, "", T0)  # deliveries are not in the API
    assert stored(store.engine) == 0


def test_a_write_of_another_process_is_known_once_read(database_url: str) -> None:
    engine = make_engine(database_url)
    ours, theirs = AlertEventStore(engine, Revision()), AlertEventStore(engine, Revision())
    theirs.record([event()])
    theirs.add_silence(rule="*", host="*", series="*", until=T0, actor="", note="", now=T0)
    assert ours.revision.known == 0
    assert ours.read_revision() == 2 and ours.revision.known == 2


def test_a_database_without_the_table_gains_it(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine)
    AlertEventStore(engine).record([event()])
    revision_table.drop(engine)  # a database made before the revision existed
    assert "monitor_alert_revision" not in inspect(engine).get_table_names()
    store = AlertEventStore(engine, Revision())
    assert store.read_revision() == 0
    store.record([event("resolved", T0 + 5)])
    assert stored(engine) == 1 and len(store.events()) == 2


def test_stores_over_one_engine_share_one_holder(database_url: str) -> None:
    engine = make_engine(database_url)
    assert AlertEventStore(engine).revision is revision_for(engine)
    assert revision_for(make_engine(database_url)) is not revision_for(engine)


def test_the_holder_never_goes_down() -> None:
    revision = Revision()
    assert revision.saw(5) == 5 and revision.saw(3) == 5 and revision.known == 5


def test_concurrent_writers_lose_no_bump() -> None:
    """Two engines (two pools, as two processes) bump at once, each in its own transactions,
    the first bumps racing to insert the missing row: every bump counts."""
    rounds = 25
    with temporary_schema() as url:
        create_schema(make_engine(url))
        stores = [AlertEventStore(make_engine(url), Revision()) for _ in range(2)]
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        def write(store: AlertEventStore) -> None:
            try:
                start.wait(timeout=10)
                for i in range(rounds):
                    store.record([event(ts=T0 + i)])
            except BaseException as exc:  # reported below
                failures.append(exc)

        threads = [threading.Thread(target=write, args=(s,)) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert failures == []
        assert stored(stores[0].engine) == 2 * rounds
        assert len(stores[0].events(limit=1000)) == 2 * rounds
