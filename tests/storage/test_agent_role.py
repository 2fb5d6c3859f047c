"""An agent's role (storage.agent_role) on the real PostgreSQL: it can write samples and relay
them, every grant is needed by the write path, and it reads nothing else."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from app.cluster.pg import connector
from app.cluster.relay import PgListener
from app.hub import LiveHub, Message
from app.runtime.coordination import agent_notifier
from storage.agent_role import AGENT_SEQUENCES, AGENT_TABLE_PRIVILEGES, agent_grants
from storage.engine import agent_pool, make_engine
from storage.store import MetricStore
from tests.support.polling import wait_for
from tests.support.postgres import temporary_database
from tests.support.samples import make_sample

NOT_AN_AGENTS = [  # tables an agent never reads
    "monitor_alert_events",
    "monitor_alert_deliveries",
    "monitor_alert_silences",
    "monitor_alert_revision",
    "monitor_rollups",
    "monitor_rollup_state",
    "monitor_process_usage",
    "monitor_process_snapshots",
]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A database whose schema the owner (the suite's user) created."""
    with temporary_database() as url:
        MetricStore(make_engine(url)).create_schema()
        yield url


def owner_run(database_url: str, statements: list[str]) -> None:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def agent_url(database_url: str) -> Iterator[str]:
    """The URL of a fresh role with the agent's grants alone."""
    role = f"agent_{uuid.uuid4().hex[:10]}"
    database = database_url.rsplit("/", 1)[1]
    owner_run(database_url, [f'CREATE ROLE "{role}" LOGIN', *agent_grants(role, database)])
    yield database_url.replace("postgresql://postgres@", f"postgresql://{role}@", 1)
    owner_run(database_url, [f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"'])


def write_path(url: str) -> None:
    """What an agent writes: a new host and layout, a process snapshot, its host's record, the
    same sample again and a colliding one (the clock went back: storage.collisions)."""
    store = MetricStore(make_engine(url))
    host = f"h-{uuid.uuid4().hex[:8]}"
    layout = {f"s{host}": 1.0}  # a series of its own: a new layout each time
    try:
        batch = [{**make_sample(i, host=host), "extra": layout} for i in range(3)]
        assert store.write_batch(batch).stored == 3
        other = {**make_sample(9, host=host), "extra": layout, "ts": batch[1]["ts"]}
        again = store.write_batch([batch[0], other])
        assert (again.stored, again.duplicates, again.collisions) == (0, 1, 1)
    finally:
        store.engine.dispose()


def test_the_agent_role_writes_and_relays_samples(database_url: str, agent_url: str) -> None:
    write_path(agent_url)
    hub = LiveHub()
    hub.watched.watch("role-host")  # its whole samples come here
    subscription = hub.subscribe(maxsize=10)
    owner = make_engine(database_url)
    listener = PgListener(connector(owner), hub, origin="dashboard")
    listener.start()
    engine = make_engine(agent_url, **agent_pool(agent_url))
    notifier = agent_notifier(engine, queue_size=10, origin="agent")
    notifier.start()
    try:
        wait_for(listener.listening.is_set, message="LISTEN")
        notifier.submit(Message("role-host", 1.0, 1, json.dumps({"host": "role-host"})))
        wait_for(lambda: len(subscription) == 1, message="the agent role's NOTIFY")
    finally:
        notifier.stop()
        listener.stop()
        engine.dispose()
        owner.dispose()


@pytest.mark.parametrize("table", NOT_AN_AGENTS)
def test_the_agent_role_reads_nothing_else(agent_url: str, table: str) -> None:
    connection = psycopg2.connect(agent_url)
    try:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege), connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
    finally:
        connection.close()


def test_the_agent_role_deletes_and_creates_nothing(agent_url: str) -> None:
    for statement in ("DELETE FROM monitor_samples", "CREATE TABLE agent_table (x int)"):
        connection = psycopg2.connect(agent_url)
        try:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege), connection.cursor() as cur:
                cur.execute(statement)
        finally:
            connection.close()


def test_the_readme_shows_these_grants() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for statement in agent_grants("monitor_agent", "monitor"):
        assert f"{statement};\n" in readme, statement


REVOCABLE = [
    (table, privilege.strip())
    for table, privileges in AGENT_TABLE_PRIVILEGES.items()
    for privilege in privileges.split(",")
] + [("SEQUENCE " + name, "USAGE") for name in AGENT_SEQUENCES]


@pytest.mark.parametrize(("target", "privilege"), REVOCABLE)
def test_every_grant_is_needed(database_url: str, agent_url: str, target: str, privilege: str):
    role = agent_url.split("//", 1)[1].split("@", 1)[0]
    owner_run(database_url, [f'REVOKE {privilege} ON {target} FROM "{role}"'])
    with pytest.raises(ProgrammingError, match="permission denied"):
        write_path(agent_url)
