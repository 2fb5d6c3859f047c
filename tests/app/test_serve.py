"""`python -m app` end to end: a real process samples, serves, and flushes storage on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from storage.engine import make_engine
from storage.store import MetricStore
from tests.support.polling import wait_for
from tests.support.servers import ROOT, app_exits_2_with_one_line, free_port


def get_json(url: str) -> dict | None:
    """The JSON of a 200 answer, else None: refused, an error status, or no answer within 2 s
    (gunicorn's master accepts connections before a worker has booted)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError):  # OSError: refused, reset, timed out
        return None


def test_serves_changing_samples_and_flushes_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--interval",
            "0.25",
            "--hostname",
            "e2e",
        ],
        cwd=ROOT,
        env={**os.environ, "MONITOR_BATCH_INTERVAL": "60"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/latest"
        first = wait_for(lambda: get_json(url), timeout=30, message="first sample")
        later = wait_for(
            lambda: (s := get_json(url)) and s["seq"] >= first["seq"] + 2 and s,
            message="two more samples",
        )
        assert later["ts"] > first["ts"] and later["host"] == "e2e"
        assert {"cpu", "memory", "load", "system", "disks", "network", "processes"} <= set(later)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
        assert b"System monitor" in page
        # The same process became the lean gunicorn master (app.cli.master) once its flags
        # were checked: its pid, now running gunicorn.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[1:3] == [b"-m", b"app.cli.master"], cmdline
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert f"Dashboard on http://127.0.0.1:{port}/ (Ctrl+C to stop)" in output  # once it listened
    store = MetricStore(make_engine(database_url))
    frame = store.read_frame("e2e", 0, 2e9, ["cpu.total"])
    # Batches every 60 s, so everything stored was flushed at shutdown; the only holes allowed
    # are ticks the sampler itself skipped (an overloaded machine), on the 0.25 s grid.
    assert len(frame) >= later["seq"] + 1 - later["health"]["skipped_ticks"]
    spacing = frame.index.to_series().diff().dropna().dt.total_seconds()
    assert ((spacing * 4) % 1 == 0).all() and (spacing > 0).all()
    store.engine.dispose()


def test_bad_flag_exits_2_with_one_line() -> None:
    line = app_exits_2_with_one_line("--interval", "-1")
    assert line == "error: --interval must be greater than 0 and at most 3600, got -1"


SERVE_ARGS = [
    "--host", "::1", "--port", "8123", "--trusted-network", "--insecure-no-auth",
    "--database-url", "sqlite:////tmp/some where/m.db", "--interval", "0.1",
    "--hostname", " web 1 ", "--top-n", "0", "--log-level", "debug",
]  # fmt: skip


def test_every_serve_flag_reaches_the_master_and_worker_unchanged(monkeypatch) -> None:
    """``python -m app serve`` hands its flags over as ``MONITOR_*`` variables (it then becomes
    ``app.cli.master``): the settings read back from them are the ones the flags gave, each
    flag overriding the variable it names, and the other variables pass through."""
    from app.cli.main import config_from_args, parse
    from app.cli.serve import SERVE_FLAGS, handed_over
    from app.config import Config

    environ = {"MONITOR_PORT": "9999", "MONITOR_INTERVAL": "5", "MONITOR_CMDLINE_MAX": "77"}
    for name in [n for n in os.environ if n.startswith("MONITOR_")]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    args = parse(SERVE_ARGS)
    assert {n for n in SERVE_FLAGS if getattr(args, n) is not None} == set(SERVE_FLAGS)
    given = config_from_args(args)
    assert (given.host, given.port, given.interval, given.hostname, given.cmdline_max) == (
        "::1", 8123, 0.1, " web 1 ", 77)  # fmt: skip
    assert given.trusted_network and given.insecure_no_auth and given.top_n == 0
    assert given.database_url == "sqlite:////tmp/some where/m.db" and given.log_level == "debug"
    env = handed_over(given, os.environ)
    assert Config.from_env(env) == given
    assert Config.from_env(env) != Config.from_env(os.environ)  # (what the flags changed)


def test_the_master_keeps_the_interpreters_options() -> None:
    from app.cli.serve import master_argv

    assert master_argv(["python", "-X", "dev", "-W", "error", "-m", "app", "serve"])[1:] == [
        "-X", "dev", "-W", "error", "-m", "app.cli.master"]  # fmt: skip
    assert master_argv(["python", "-c", "..."])[1:] == ["-m", "app.cli.master"]
