"""A machine with no PostgreSQL: the suite starts its own (tests/support/throwaway_postgres.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support.servers import ROOT
from tests.support.throwaway_postgres import answers, resolve_test_database_url


def test_postgres_fixtures_run_on_the_suites_own_server() -> None:
    env = {**os.environ, "TEST_DATABASE_URL": "auto"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "postgresql",
         "tests/storage/test_store.py", "tests/storage/test_writer.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    passed = re.search(r"(\d+) passed", run.stdout)
    assert passed is not None and int(passed.group(1)) >= 8, run.stdout[-2000:]
    assert "skipped" not in run.stdout


def test_auto_starts_a_server_that_is_not_the_default_and_takes_connections() -> None:
    env = {**os.environ, "TEST_DATABASE_URL": "auto"}
    probe = (
        "from tests.support.postgres import temporary_schema, test_database_url\n"
        "from sqlalchemy import create_engine, text\n"
        "with temporary_schema() as url:\n"
        "    engine = create_engine(url.replace('postgresql://', 'postgresql+psycopg2://'))\n"
        "    with engine.connect() as conn: print(conn.execute(text('select 41 + 1')).scalar())\n"
        "    engine.dispose()\n"
        "print(test_database_url())\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    answer, url = run.stdout.split()
    assert answer == "42"
    assert url.startswith("postgresql://postgres@127.0.0.1:") and ":5432/" not in url
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert not answers("127.0.0.1", port), "the throwaway server must stop with its process"


def test_a_configured_url_is_used_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # even when it does not answer: the PostgreSQL tests then fail, they never fall back or skip
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://someone@127.0.0.1:1/nowhere")
    assert resolve_test_database_url() == "postgresql://someone@127.0.0.1:1/nowhere"
