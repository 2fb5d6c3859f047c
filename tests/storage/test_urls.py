"""Database URLs read without SQLAlchemy agree with SQLAlchemy's ``make_url``."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from storage.urls import parse_url, sqlite_file, url_problem

URLS = [
    "sqlite:///data/monitor.db",
    "sqlite:////var/lib/monitor/monitor.db",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///file:memdb1?mode=memory&cache=shared&uri=true",
    "sqlite+pysqlite:///~/monitor.db",
    "postgresql+psycopg2://monitor:s%40cret@db.example:5433/metrics",
    "postgresql+psycopg2://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench_1",
    "postgresql+psycopg2://u:p@[2001:db8::1]:5432/db",
    "postgresql+psycopg2://u@/db?host=/run/postgresql",
    "postgresql+psycopg2:///db",
    "mysql://x/y",
]


@pytest.mark.parametrize("url", URLS)
def test_the_parts_are_sqlalchemys(url: str) -> None:
    ours, theirs = parse_url(url), make_url(url)
    assert ours.drivername == theirs.drivername
    assert ours.backend == theirs.get_backend_name()
    assert (ours.username, ours.password) == (theirs.username, theirs.password)
    assert (ours.host, ours.port, ours.database) == (theirs.host, theirs.port, theirs.database)
    if not theirs.query:
        assert ours.shown() == theirs.render_as_string(hide_password=True)


@pytest.mark.parametrize("url", ["", "monitor.db", "sqlite:/x.db", "://x", "postgresql://h:x/db"])
def test_what_is_not_a_url_says_so(url: str) -> None:
    assert url_problem(url) == "is not a database URL"


def test_schemes_and_files() -> None:
    assert url_problem("postgres://u@h/db") is None  # the psycopg2 driver, normalized
    assert url_problem("mysql://x/y") == "scheme 'mysql://' is not supported"
    assert sqlite_file("sqlite:///data/monitor.db") == "data/monitor.db"
    assert sqlite_file("sqlite:////abs/m.db") == "/abs/m.db"
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?uri=true", URLS[6]):
        assert sqlite_file(url) is None
    assert "s%40cret" not in parse_url(URLS[6]).shown() and ":***@" in parse_url(URLS[6]).shown()
