"""Benchmark: the dashboard's own footprint at 1 Hz against Glances in web mode.

Run: ``make bench-env`` once (Glances in its own virtualenv, .bench-venv), then
``.venv/bin/python -m bench.overhead [--seconds 120]``

Three processes are measured one after the other, in this one run, each for ``--seconds``:

1. the dashboard (``python -m app``: a gunicorn master and its worker, both counted): sampling
   at 1 Hz, storing to SQLite, serving one live WebSocket client that reads every sample (as an
   open browser tab does);
2. Glances 4.5 in web mode (``glances -w -t 1``), polled the way its web UI polls:
   ``/api/4/all`` and ``/api/4/all/views`` once a second;
3. the floor: a bare loop making this project's psutil calls once a second.

Reported: CPU as a share of one core (user + system from /proc over the window) and RSS at the
end, with the ratios against Glances.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.common import machine, table
from bench.fanout import cpu_seconds
from tests.support.servers import ROOT, LiveClient, Process, free_port, get_json

GLANCES = ROOT / ".bench-venv" / "bin" / "glances"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``python -m app`` is a gunicorn master and its worker)."""
    pids = [pid]
    for parent in pids:
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        pids.extend(int(child) for child in children)
    return pids


def window(pid: int, seconds: float, each_second: object = None) -> tuple[float, float]:
    """CPU share of one core of ``pid``'s process tree over ``seconds`` (calling
    ``each_second`` once a second), and the tree's RSS at the end."""
    pids = tree(pid)
    before = cpu_seconds(pids)
    started = time.monotonic()
    tick = 0
    while time.monotonic() - started < seconds:
        tick += 1
        if callable(each_second):
            each_second()
        time.sleep(max(0.0, started + tick - time.monotonic()))
    elapsed = time.monotonic() - started
    return (cpu_seconds(pids) - before) / elapsed * 100, sum(rss_mb(p) for p in pids)


def wait_until(url: str, key: str | None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = get_json(url)
        if body is not None and (key is None or key in body):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def dashboard(seconds: float, folder: Path) -> tuple[float, float]:
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "app",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{folder / 'overhead.db'}",
        "--log-level",
        "WARNING",
    ]
    with Process(args, {}) as server:
        wait_until(f"http://127.0.0.1:{port}/api/v1/latest", "seq")
        client = LiveClient(port)
        time.sleep(5)  # let the backlog pass and the first batch be written
        result = window(server.popen.pid, seconds)
        assert len(client.samples) > seconds * 0.9, "the live client fell behind"
        client.close()
    return result


def glances(seconds: float) -> tuple[float, float]:
    if not GLANCES.exists():
        raise SystemExit("Glances is not installed: run `make bench-env` first")
    port = free_port()
    args = [
        str(GLANCES),
        "-w",
        "-t",
        "1",
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--disable-autodiscover",
        "--disable-check-update",
    ]
    base = f"http://127.0.0.1:{port}/api/4"
    with Process(args, {}) as server:
        wait_until(f"{base}/all", None, timeout=90)
        time.sleep(5)

        def poll() -> None:
            for path in ("/all", "/all/views"):
                with urllib.request.urlopen(base + path, timeout=5) as response:
                    response.read()

        return window(server.popen.pid, seconds, poll)


FLOOR = textwrap.dedent(
    """
    import time
    from bench.sampler import floor_tick
    start = time.monotonic()
    tick = 0
    while True:
        floor_tick()
        tick += 1
        time.sleep(max(0.0, start + tick - time.monotonic()))
    """
)


def floor(seconds: float) -> tuple[float, float]:
    process = subprocess.Popen([sys.executable, "-c", FLOOR], cwd=ROOT)
    try:
        time.sleep(3)
        return window(process.pid, seconds)
    finally:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with TemporaryDirectory() as folder:
        ours = dashboard(args.seconds, Path(folder))
    theirs = glances(args.seconds)
    bare = floor(args.seconds)
    print(
        table(
            ["process", "CPU (share of one core)", "RSS MB", "CPU vs Glances"],
            [
                [
                    "this dashboard (sample + SQLite + 1 live client)",
                    f"{ours[0]:.2f} %",
                    f"{ours[1]:.0f}",
                    f"{ours[0] / theirs[0]:.2f}x",
                ],
                [
                    "Glances 4.5 web, polled /api/4/all + /all/views at 1 s",
                    f"{theirs[0]:.2f} %",
                    f"{theirs[1]:.0f}",
                    "1.00x",
                ],
                [
                    "bare psutil loop (floor)",
                    f"{bare[0]:.2f} %",
                    f"{bare[1]:.0f}",
                    f"{bare[0] / theirs[0]:.2f}x",
                ],
            ],
        )
    )
    print(f"({args.seconds:g} s each, one after the other)")


if __name__ == "__main__":
    main()
