"""SQLite where nothing can be written: the live view goes on and says why nothing is stored.

(a) a database path under /proc (no folder can be made there); (b) a disk that fills up: a
640 KiB tmpfs mounted in a private mount namespace (``unshare --mount``, we are root), most
of it taken by a filler file, holds the database, so SQLite soon answers "database or disk is
full". Deleting the filler frees room for the backlog and for folding the WAL that held it.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from tests.faults.figures import record
from tests.faults.support import (
    SCHEDULING_SLACK_S,
    TimedClient,
    alive,
    app_process,
    stream_problems,
)
from tests.support.polling import wait_for
from tests.support.servers import Process, get_json

INTERVAL = 0.25
ENV = {"MONITOR_BATCH_INTERVAL": "1"}


def latest(port: int) -> dict[str, Any] | None:
    sample = get_json(f"http://127.0.0.1:{port}/api/v1/latest")
    return sample if sample and "seq" in sample else None


def status_of(port: int, path: str) -> tuple[int, dict[str, Any]]:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def fresh_samples_keep_coming(port: int, count: int = 4) -> list[dict[str, Any]]:
    """``count`` successive samples from /api/v1/latest, each newer and at most a few
    intervals old when read."""
    seen: list[dict[str, Any]] = []
    for _ in range(count):
        newest = wait_for(
            lambda: (s := latest(port)) and (not seen or s["seq"] > seen[-1]["seq"]) and s,
            timeout=5,
            message="a newer sample",
        )
        assert time.time() - newest["ts"] <= 3 * INTERVAL + 1, newest["ts"]
        seen.append(newest)
    return seen


def log_lines(process: Process, needle: str) -> list[str]:
    return [line for line in list(process.output) if needle in line]


def storage_failing(port: int, words: str) -> dict[str, Any] | None:
    sample = latest(port)
    if sample is None or sample["health"]["storage_ok"]:
        return None
    return sample if words in (sample["health"]["storage_error"] or "") else None


def test_a_database_path_under_proc(tmp_path: Path) -> None:
    url = f"sqlite:////proc/monitor-test-{uuid.uuid4().hex[:8]}/m.db"
    started = time.monotonic()
    with app_process(url, interval=INTERVAL, hostname="faults-proc", env=ENV) as app:
        port = app.port
        wait_for(lambda: latest(port), timeout=60, message=f"a first sample\n{app.log()}")
        failing = wait_for(
            lambda: storage_failing(port, "unable to open database file"),
            timeout=15,
            message="health reporting the storage error",
        )
        reported_after = time.monotonic() - started
        errors_then = len(log_lines(app, " ERROR "))
        write_errors_then = failing["health"]["write_errors"]
        # Several retries later (backoff 0.5, 1, 2, 4 s): still one error line per problem.
        later = wait_for(
            lambda: (
                (s := latest(port)) and s["health"]["write_errors"] >= write_errors_then + 3 and s
            ),
            timeout=20,
            message="three more failed writes",
        )
        errors_now = log_lines(app, " ERROR ")  # before requests that log their own error
        tracebacks = log_lines(app, "Traceback")
        write_failed = log_lines(app, "storage.outage")  # the one notice, and its end
        samples = fresh_samples_keep_coming(port)
        ready_status, ready = status_of(port, "/readyz")
        hosts_status, _ = status_of(port, "/api/v1/hosts")
        history_status, history = status_of(port, "/api/v1/history")
        assert alive(app), app.log()
        code = app.terminate()
    record(
        "SQLite database path under /proc (cannot be created)",
        [
            ("/readyz", f"{ready_status} {ready}"),
            ("/api/v1/latest fresh samples read after the failure", len(samples)),
            ("/api/v1/hosts, /api/v1/history", f"{hosts_status}, {history_status} {history}"),
            ("health.storage_error", later["health"]["storage_error"]),
            ("health reported storage_ok false after (s)", reported_after),
            ("failed writes while observed", later["health"]["write_errors"]),
            ("buffer_depth", later["health"]["buffer_depth"]),
            (
                "ERROR log lines / of them the process's database notice",
                f"{len(errors_now)} / {len(write_failed)}",
            ),
            ("tracebacks in the log", len(tracebacks)),
            ("exit code after SIGTERM", code),
        ],
        note="ERROR lines: "
        + " / ".join(line.split(": ", 1)[-1].strip()[:120] for line in errors_now),
    )
    assert ready_status == 503 and ready["ready"] is False
    assert "database" in ready["error"], ready
    assert history_status == 503 and hosts_status == 200
    assert later["health"]["buffer_depth"] > 0
    # The writer and the maintenance both fail: one line for the process, naming the problem.
    assert len(write_failed) == 1 and "database unreachable: " in write_failed[0], write_failed
    assert "unable to open database file" in write_failed[0]
    assert len(errors_now) == errors_then, errors_now  # no new error line per retry
    assert tracebacks == []
    assert code == 0, app.log()


def child_pid(pid: int) -> int | None:
    """The first child of ``pid`` (``unshare --fork`` runs the server as its child)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        if children:
            return int(children[0])
    return None


def test_a_full_disk(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    script = (
        'mount -t tmpfs -o size=640k tmpfs "$1" && head -c 458752 /dev/zero > "$1/filler" && '
        'exec "$2" -m app --port "$3" --database-url "sqlite:///$1/m.db" '
        '--interval "$4" --hostname faults-full'
    )

    def in_private_mount(port: int) -> list[str]:
        args = ["unshare", "--mount", "--fork", "sh", "-c", script, "sh"]
        return [*args, str(mount), sys.executable, str(port), str(INTERVAL)]

    started = time.monotonic()
    app = app_process("", interval=INTERVAL, hostname="", env=ENV, command=in_private_mount)
    try:
        port = app.port
        server = child_pid(app.popen.pid)  # python -m app: gunicorn's master
        assert server is not None
        wait_for(lambda: latest(port), timeout=60, message=f"a first sample\n{app.log()}")
        full = wait_for(
            lambda: storage_failing(port, "full"),
            timeout=90,
            message=f"SQLite reporting a full disk\n{app.log()}",
        )
        full_after = time.monotonic() - started
        stored_before = full["health"]["stored_samples"]
        client = TimedClient(port, f"?since={full['ts']}")
        try:
            watch_from = time.monotonic()
            wait_for(
                lambda: len(client.arrivals) >= 5 / INTERVAL, timeout=15, message="5 s of samples"
            )
        finally:
            client.close()
        arrivals = list(client.arrivals)
        samples = fresh_samples_keep_coming(port)
        ready_status, ready = status_of(port, "/readyz")
        assert alive(app), app.log()
        # Space is freed: the buffer is stored, and the WAL that took it is folded back.
        private = Path(f"/proc/{server}/root{mount}")  # the server's view of its own mount
        wal = private / "m.db-wal"
        wal_full = wal.stat().st_size
        (private / "filler").unlink()
        wait_for(
            lambda: (
                (s := latest(port))
                and s["health"]["storage_ok"]
                and s["health"]["buffer_depth"] <= 2
            ),
            timeout=60,
            message=f"storage back once space is freed\n{app.log()}",
        )
        # the first fold may still meet a full disk; it is tried again after the next batches
        checkpointed = wait_for(
            lambda: log_lines(app, "SQLite WAL checkpointed"),
            timeout=30,
            message=f"checkpoint\n{app.log()}",
        )
        wal_after = wal.stat().st_size
        tracebacks = log_lines(app, "Traceback")
        write_failed = log_lines(app, "storage.outage")  # the one notice, and its end
        os.kill(server, signal.SIGTERM)  # the server itself: unshare returns its exit status
        app.popen.wait(60)
        code = app.popen.returncode
    finally:
        app.terminate()
    problems, longest = stream_problems(arrivals, INTERVAL, slack=SCHEDULING_SLACK_S)
    last = arrivals[-1].health
    record(
        "SQLite on a full disk (640 KiB tmpfs, 448 KiB of it a filler)",
        [
            ("disk full reported after (s)", full_after),
            ("samples stored before the disk was full", stored_before),
            ("health.storage_error", last["storage_error"]),
            ("samples received over WebSocket while full", len(arrivals)),
            ("longest wait between two frames (s)", longest),
            (
                "failed writes / buffer_depth at the end",
                f"{last['write_errors']} / {last['buffer_depth']}",
            ),
            ("/readyz while the disk is full", f"{ready_status} {ready}"),
            (
                "WAL while full / after space was freed (KiB)",
                f"{wal_full / 1024:.0f} / {wal_after / 1024:.0f}",
            ),
            ("checkpoint after recovery", checkpointed[0].split(": ", 1)[-1].strip()),
            (
                "database notices (the outage, its end) / tracebacks",
                f"{len(write_failed)} / {len(tracebacks)}",
            ),
            ("exit code after SIGTERM", code),
        ],
    )
    assert not problems, problems[:10]
    assert all(not a.health["storage_ok"] for a in arrivals)
    assert arrivals[-1].at - watch_from >= 4
    assert last["buffer_depth"] > full["health"]["buffer_depth"]
    assert len(samples) == 4
    # One line when the disk filled (SQLite may first say "disk I/O error" rather than "full"),
    # one when the writer stored again.
    assert len(write_failed) == 2 and tracebacks == [], write_failed
    assert re.search(r" ERROR \[\d+\] storage\.outage: database ", write_failed[0]), write_failed
    assert "works again" in write_failed[1], write_failed
    assert wal_after < min(wal_full, 64 * 1024), (wal_full, wal_after)
    assert code == 0, app.log()


def test_a_read_only_database_is_reported_as_read_only(tmp_path: Path) -> None:
    """A database on a read-only mount (made, then the mount remounted read-only, in a private
    mount namespace): /readyz says "read-only", not "unreachable"."""
    mount = tmp_path / "ro"
    mount.mkdir()
    make = (
        "from storage.engine import make_engine; from storage.store import MetricStore; "
        "MetricStore(make_engine('sqlite:///' + __import__('sys').argv[1] + '/m.db'))"
        ".create_schema()"
    )
    script = (
        'mount -t tmpfs -o size=2m tmpfs "$1" && "$2" -c "$5" "$1" && '
        'mount -o remount,ro "$1" && '
        'exec "$2" -m app --port "$3" --database-url "sqlite:///$1/m.db" '
        '--interval "$4" --hostname faults-ro'
    )

    def in_private_mount(port: int) -> list[str]:
        args = ["unshare", "--mount", "--fork", "sh", "-c", script, "sh"]
        return [*args, str(mount), sys.executable, str(port), str(INTERVAL), make]

    app = app_process("", interval=INTERVAL, hostname="", env=ENV, command=in_private_mount)
    try:
        port = app.port
        wait_for(lambda: latest(port), timeout=60, message=f"a first sample\n{app.log()}")
        ready_status, ready = status_of(port, "/readyz")
        samples = fresh_samples_keep_coming(port)
        tracebacks = log_lines(app, "Traceback")
    finally:
        app.terminate()
    record(
        "SQLite database on a read-only mount",
        [
            ("/readyz", f"{ready_status} {ready}"),
            ("fresh samples from /api/v1/latest", len(samples)),
            ("tracebacks in the log", len(tracebacks)),
        ],
    )
    assert ready_status == 503 and ready["error"].startswith("database read-only: "), ready
    assert tracebacks == []
