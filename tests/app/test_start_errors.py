"""What an operator can get wrong at start: one line on stderr, exit code 2, nothing else.

Each case starts the real process: ``python -m app`` (serve, the default), ``python -m app
agent`` and plain ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.polling import wait_for
from tests.support.servers import GUNICORN, ROOT, Process, free_port, get_json

URLS = "sqlite:///path or postgresql://user@host/db"


def clean_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """This environment without MONITOR_* variables, on a SQLite file of the test's own."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return {**base, "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}", **env}


def launch(kind: str, port: int, *flags: str) -> list[str]:
    """The command line of ``kind``: serve, agent or gunicorn (gunicorn takes no flags)."""
    if kind == "gunicorn":
        assert not flags
        return [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"]
    if kind == "agent":
        return [sys.executable, "-m", "app", "agent", *flags]
    return [sys.executable, "-m", "app", "--port", str(port), *flags]


def only_line(command: list[str], env: dict[str, str]) -> str:
    """Runs ``command``; asserts exit code 2, nothing on stdout and exactly one non-empty line
    on stderr (no banner, no traceback, no gunicorn log); returns that line."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    assert result.stderr.endswith("\n")
    return lines[0]


def run_env(kind: str, tmp_path: Path, port: int, **env: str) -> dict[str, str]:
    return clean_env(tmp_path, MONITOR_PORT=str(port), **env)


@pytest.mark.parametrize("kind", ["serve", "agent", "gunicorn"])
def test_an_unsupported_database_url(kind: str, tmp_path: Path) -> None:
    port = free_port()
    env = run_env(kind, tmp_path, port, MONITOR_DATABASE_URL="mysql://me:secret@db/x")
    assert only_line(launch(kind, port), env) == (
        f"error: MONITOR_DATABASE_URL must be {URLS}, got 'mysql://me:***@db/x'"
    )
    if kind != "gunicorn":
        flag = launch(kind, port, "--database-url", "mysql://x/y")
        assert only_line(flag, run_env(kind, tmp_path, port)) == (
            f"error: --database-url must be {URLS}, got 'mysql://x/y'"
        )


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port another process listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("kind", ["serve", "gunicorn"])
def test_a_port_in_use(kind: str, held_port: int, tmp_path: Path) -> None:
    line = only_line(launch(kind, held_port), run_env(kind, tmp_path, held_port))
    assert line == f"error: cannot listen on 127.0.0.1:{held_port}: Address already in use"


@pytest.mark.parametrize("kind", ["serve", "gunicorn"])
@pytest.mark.parametrize("what", ["missing", "a folder"])
def test_an_unreadable_users_file(kind: str, what: str, tmp_path: Path) -> None:
    path = tmp_path / "users"
    if what == "a folder":
        path.mkdir(mode=0o700)
    port = free_port()
    env = run_env(kind, tmp_path, port, MONITOR_USERS_FILE=str(path))
    reason = "No such file or directory" if what == "missing" else "Is a directory"
    assert only_line(launch(kind, port), env) == (
        f"error: MONITOR_USERS_FILE {str(path)!r} cannot be read: {reason}"
    )


@pytest.mark.parametrize("kind", ["serve", "agent", "gunicorn"])
@pytest.mark.parametrize("what", ["missing", "a folder", "not TOML"])
def test_an_unreadable_rules_file(kind: str, what: str, tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    reasons = {
        "missing": "cannot read it: No such file or directory",
        "a folder": "cannot read it: Is a directory",
        "not TOML": "not valid TOML: Expected ']]' at the end of an array declaration "
        "(at line 1, column 7)",
    }
    if what == "a folder":
        path.mkdir()
    elif what == "not TOML":
        path.write_text("[[rule\n")
    port = free_port()
    env = run_env(kind, tmp_path, port, MONITOR_ALERTS_FILE=str(path))
    assert only_line(launch(kind, port), env) == f"error: alerts file {path}: {reasons[what]}"


@pytest.mark.parametrize("kind", ["serve", "agent"])
@pytest.mark.parametrize(
    ("flags", "line"),
    [
        (["--interval", "0"], "--interval must be greater than 0 and at most 3600, got 0"),
        (["--interval", "3601"], "--interval must be greater than 0 and at most 3600, got 3601"),
        (["--interval", "nan"], "--interval must be greater than 0 and at most 3600, got nan"),
        (["--interval", "soon"], "argument --interval: invalid float value: 'soon'"),
        (["--top-n", "-1"], "--top-n must be 0 or more, got -1"),
        (["--log-level", "loud"], "--log-level must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        (["--hostname", " "], "--hostname must not be empty, got ' '"),
    ],
)
def test_a_flag_out_of_range(kind: str, flags: list[str], line: str, tmp_path: Path) -> None:
    port = free_port()
    assert only_line(launch(kind, port, *flags), run_env(kind, tmp_path, port)).startswith(
        f"error: {line}"
    )


@pytest.mark.parametrize(
    ("flags", "line"),
    [
        (["--port", "0"], "error: --port must be between 1 and 65535, got 0"),
        (["--port", "65536"], "error: --port must be between 1 and 65535, got 65536"),
        (["--port", "web"], "error: argument --port: invalid int value: 'web' "),
        (["--bogus"], "error: unrecognized arguments: --bogus "),
    ],
)
def test_a_serve_flag_out_of_range(flags: list[str], line: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "app", *flags]
    assert only_line(command, clean_env(tmp_path)).startswith(line)


@pytest.mark.parametrize("kind", ["serve", "gunicorn"])
@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"MONITOR_INTERVAL": "0"}, "MONITOR_INTERVAL must be greater than 0 and at most 3600"),
        ({"MONITOR_PORT": "http"}, "MONITOR_PORT='http' is not a valid int"),
        ({"MONITOR_BATCH_INTERVAL": "0"}, "MONITOR_BATCH_INTERVAL must be greater than 0"),
        ({"MONITOR_RETENTION_RAW": "0"}, "MONITOR_RETENTION_RAW must be greater than 0, got 0"),
        ({"MONITOR_LOG_LEVEL": "loud"}, "MONITOR_LOG_LEVEL must be DEBUG, INFO, WARNING"),
    ],
)
def test_a_variable_out_of_range(kind: str, env: dict[str, str], line: str, tmp_path: Path) -> None:
    port = free_port()
    environment = {**run_env(kind, tmp_path, port), **env}
    command = (
        [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"]
        if kind == "gunicorn"
        else [sys.executable, "-m", "app"]
    )
    assert only_line(command, environment).startswith(f"error: {line}")


@pytest.mark.parametrize("name", ["MONITOR_WORKERS", "MONITOR_THREADS"])
def test_gunicorn_counts_out_of_range(name: str, tmp_path: Path) -> None:
    env = run_env("gunicorn", tmp_path, free_port(), **{name: "none"})
    assert only_line(launch("gunicorn", 0), env) == (
        f"error: {name} must be a whole number, 1 or more, got 'none'"
    )


def test_top_level_help_shows_the_serve_options(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "--help"],
        cwd=ROOT,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == ""
    for word in ("agent", "export", "alerts", "--port", "--host", "--database-url", "--interval"):
        assert word in result.stdout, word


@pytest.mark.parametrize("kind", ["serve", "agent"])
def test_an_unreachable_database_is_no_start_error(kind: str, tmp_path: Path) -> None:
    """Nothing listens at the database's address: the process starts, samples, buffers and
    retries; the first part to meet it says so in one line for the whole process (the writer,
    maintenance, LISTEN, NOTIFY, the elections and the alert service all fail), without a
    traceback, and it never exits."""
    port, closed = free_port(), free_port()
    env = run_env(
        kind,
        tmp_path,
        port,
        MONITOR_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed}/test",
        MONITOR_BATCH_INTERVAL="0.5",
        MONITOR_INTERVAL="0.25",
    )
    env = {k: v for k, v in env.items() if k.startswith("MONITOR_")}
    if kind == "agent":
        env["MONITOR_LOG_LEVEL"] = "DEBUG"
    with Process(launch(kind, port), env) as process:
        wait_for(
            lambda: "database unreachable: " in process.log(),
            timeout=30,
            message=f"the first failure\n{process.log()}",
        )
        if kind == "serve":  # sampling goes on, the samples say where storage stands, and the
            url = f"http://127.0.0.1:{port}/api/v1/latest"  # writer retried, quietly
            wait_for(
                lambda: (
                    (h := (get_json(url) or {}).get("health"))
                    and h["storage_ok"] is False
                    and h["write_errors"] >= 4
                ),
                timeout=30,
                message="samples that report storage down after retries",
            )
        else:  # the agent logs at debug: every part's retries are debug lines
            wait_for(lambda: process.log().count(" failed (") >= 8, timeout=30, message="retries")
        assert process.popen.poll() is None, process.log()
        log = process.log()
    assert "Traceback" not in log, log
    problems = [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line]
    problems = [line for line in problems if "shutdown" not in line]  # the buffer left at exit
    assert len(problems) == 1 and "database unreachable: " in problems[0], problems
    assert "Connection refused" in problems[0]
    continued = [line for line in log.splitlines() if line[:1] in ("\t", " ", "(", "")]
    assert continued == [], log
