"""One writer per SQLite file, with real processes: a second ``python -m app`` (serve or
agent) on a file in use is refused with one line naming the holder's pid and exit code 2; the
lock is the deployment's (gunicorn's master), so its workers sample, a reload included; a lock
file left by a dead process blocks nothing."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from tests.support.polling import wait_for
from tests.support.servers import (
    Process,
    app_exits_2_with_one_line,
    free_port,
    get_json,
    gunicorn,
)

INTERVAL = "0.5"


def sampling_worker(port: int, process: Process, old_pid: int | None = None) -> int:
    """The pid of the worker that samples (a new one when ``old_pid`` is given)."""
    health = wait_for(
        lambda: (
            (h := get_json(f"http://127.0.0.1:{port}/healthz"))
            and h.get("role") == "sampler"
            and h["pid"] != old_pid
            and h
        ),
        timeout=60,
        message=f"a sampling worker\n{process.log()}",
    )
    return health["pid"]


def refused(url: str, holder: int, *commands: str) -> None:
    """``python -m app serve`` or ``agent`` on ``url`` is refused, naming ``holder``."""
    for command in commands:
        args = ("serve", "--port", str(free_port())) if command == "serve" else (command,)
        line = app_exits_2_with_one_line(*args, "--database-url", url, "--interval", INTERVAL)
        assert line.startswith("error: ") and f"pid {holder}" in line, (args, line)
        assert url.removeprefix("sqlite:///") in line


def test_python_m_app_serve_holds_the_file_and_a_dead_holder_blocks_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    port = free_port()
    serve = [sys.executable, "-m", "app", "serve", "--port", str(port), "--database-url", url]
    with Process([*serve, "--interval", INTERVAL], {}) as server:
        sampling_worker(port, server)
        refused(url, server.popen.pid, "serve", "agent")
        assert get_json(f"http://127.0.0.1:{port}/healthz")["role"] == "sampler"
        assert server.terminate() == 0, server.log()
    assert (tmp_path / "m.db.lock").read_text() == f"{server.popen.pid}\n"  # left behind
    agent = [sys.executable, "-m", "app", "agent", "--database-url", url, "--interval", INTERVAL]
    with Process(agent, {}) as first_agent:
        wait_for(
            lambda: "Agent sampling" in first_agent.log(),
            timeout=60,
            message=f"the agent sampling\n{first_agent.log()}",
        )
        refused(url, first_agent.popen.pid, "serve")
        assert first_agent.terminate() == 0, first_agent.log()


def test_gunicorn_takes_the_lock_once_for_its_workers_and_reloads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    port = free_port()
    env = {"MONITOR_DATABASE_URL": url, "MONITOR_INTERVAL": INTERVAL}
    with gunicorn(port, env) as server:
        worker = sampling_worker(port, server)
        assert worker != server.popen.pid
        refused(url, server.popen.pid, "agent")  # the master holds it, for the deployment
        server.popen.send_signal(signal.SIGHUP)  # new workers inherit it: they sample
        sampling_worker(port, server, old_pid=worker)
        refused(url, server.popen.pid, "agent")
        assert server.terminate() == 0, server.log()
    assert "is being written by another" not in server.log()
