"""What only the history page or an export needs is imported when first used, not at start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.polling import wait_for
from tests.support.servers import free_port, get_json, gunicorn

ROOT = Path(__file__).resolve().parents[2]

SERVE_THE_LIVE_PAGE = textwrap.dedent(
    """
    import sys
    from app import create_app
    from app.config import Config
    from app.guard.dash_requests import LAYOUTS_KEY

    config = Config(database_url="sqlite:///" + sys.argv[1])
    server = create_app(config).server
    monitor = server.extensions["monitor"]
    monitor.start()  # it samples, stores and evaluates alerts, as a worker's does
    server.extensions[LAYOUTS_KEY]()  # every page's layout, as the first callback builds them
    client = server.test_client()
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/api/v1/hosts"):
        assert client.get(path).status_code < 500, path
    # the third: Figure() was made; psycopg2: on SQLite nothing of the cluster is needed
    heavy = ("pandas", "plotly.express", "plotly.validator_cache", "psycopg2")
    assert monitor.stop(), "the buffer was not flushed"
    print(" ".join(sorted(m for m in heavy if m in sys.modules)))
    """
)


def heavy_modules_after(script: str, *args: str) -> str:
    """What ``script`` (run in a fresh interpreter in the checkout) prints: the heavy modules
    it found imported; it must succeed."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_live_page_loads_no_pandas_plotly_validators_nor_psycopg2(tmp_path: Path) -> None:
    assert heavy_modules_after(SERVE_THE_LIVE_PAGE, str(tmp_path / "lean.db")) == ""


# What gunicorn's master runs of the project: the config file's hooks import these.
MASTER_IMPORTS = textwrap.dedent(
    """
    import runpy, sys
    runpy.run_path("gunicorn.conf.py")
    import app.cli.master, app.guard.startup, storage.file_lock, gunicorn.arbiter
    heavy = ("flask", "dash", "plotly", "pandas", "numpy", "sqlalchemy", "psycopg2", "psutil",
             "apprise", "jinja2", "werkzeug", "storage.engine", "app.web",
             # read by the start checks in a child process (app.guard.start_checks) only
             "app.alerts.rules", "app.guard.credentials", "tomllib", "hashlib",
             "app.config", "dataclasses", "storage.urls", "app.guard.exposure", "app.cli.main")
    print(" ".join(sorted(m for m in heavy if m in sys.modules)))
    """
)
# Compiled parts of the libraries only a worker needs: none may be mapped into the master.
WORKER_LIBRARIES = ("sqlalchemy", "numpy", "psutil", "psycopg2", "pydantic_core", "markupsafe")


def test_the_master_imports_only_gunicorn_and_the_start_checks() -> None:
    assert heavy_modules_after(MASTER_IMPORTS) == ""


# The worker class alone, as ``gunicorn -k`` loads it in the master: the reading of requests
# (app.guard.request_reading, with dataclasses) is imported after the fork.
WORKER_CLASS_IMPORTS = textwrap.dedent(
    """
    import sys
    import gunicorn.workers.gthread
    import app.guard.slow_clients
    heavy = ("dataclasses", "app.guard.request_reading", "app.config", "storage")
    print(" ".join(sorted(m for m in heavy if m in sys.modules)))
    """
)


def test_the_worker_class_imports_nothing_the_master_does_not_need() -> None:
    assert heavy_modules_after(WORKER_CLASS_IMPORTS) == ""


def test_a_running_master_holds_no_worker_library(tmp_path: Path) -> None:
    """The real gunicorn master, serving: none of the workers' compiled libraries mapped, and
    its RSS near gunicorn's own (about 25 MB; it was 76 MB when it imported the libraries)."""
    port = free_port()
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'lean.db'}"}
    with gunicorn(port, env) as server:
        url = f"http://127.0.0.1:{port}/healthz"
        wait_for(lambda: get_json(url), timeout=90, message=server.log())
        maps = Path(f"/proc/{server.popen.pid}/maps").read_text()
        status = Path(f"/proc/{server.popen.pid}/status").read_text()
        assert server.terminate() == 0, server.log()
    mapped = [name for name in WORKER_LIBRARIES if f"/site-packages/{name}/" in maps]
    assert mapped == []
    rss_mb = int(status.split("VmRSS:")[1].split()[0]) / 1024
    assert rss_mb <= 40, rss_mb
