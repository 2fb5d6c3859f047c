"""Benchmark: gunicorn's master and worker at start, and how fast a reload (SIGHUP) is live.

Run: ``.venv/bin/python -m bench.reload [--reloads 3] [--baseline DIR]``

For each checkout (with ``--baseline DIR``, a checkout of another commit, e.g. ``git archive
HEAD | tar -x -C /tmp/before``, first; then this one), one after the other with this
virtualenv: ``gunicorn -c gunicorn.conf.py wsgi:app`` on a fresh SQLite file, sampling every
0.5 s, and

- the worker's boot: from its fork (its start time in ``/proc``) until it answers ``/healthz``;
- RSS of the master and of the worker, and the PSS of both (shared pages counted once
  between them), 3 s after the first sample;
- per reload: a WebSocket client of ``/ws/metrics`` reading the stream, SIGHUP to the master,
  and the times (seconds) from the signal to the old worker's 1001 close, to the new worker's
  fork, to its first ``/healthz`` answer and to the first frame on the client's new socket
  (which reconnects at once with ``since=``, as the page does within 250 ms of a 1001; the
  first frame comes with the new worker's first sample, at the next slot of the interval).

Medians over the reloads; a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import simple_websocket

from bench.common import machine

HERE = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    label: str
    master_rss_mb: float = 0.0
    worker_rss_mb: float = 0.0
    pss_mb: float = 0.0
    boot_s: float = 0.0
    closed_s: list[float] = field(default_factory=list)
    forked_s: list[float] = field(default_factory=list)
    ready_s: list[float] = field(default_factory=list)
    reboot_s: list[float] = field(default_factory=list)
    live_s: list[float] = field(default_factory=list)


def boottime() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def started_at(pid: int) -> float:
    """When process ``pid`` was forked, on CLOCK_BOOTTIME (10 ms resolution)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[19]) / TICKS


def memory_mb(pid: int, field: str, source: str = "status") -> float:
    """A ``kB`` field of ``/proc/PID/status`` (VmRSS) or ``smaps_rollup`` (Pss), in MB."""
    with open(f"/proc/{pid}/{source}", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
        return {int(p) for p in listing.read().split()}


def healthz_pid(port: int, timeout: float = 5.0) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return int(json.loads(r.read())["pid"])
    except (OSError, ValueError, KeyError):
        return None


class _Client(simple_websocket.Client):
    """Sends ``Host`` with the port, as a browser does (the origin check compares them)."""

    def handshake(self) -> None:
        self.host = f"{self.host}:{self.port}"
        super().handshake()


class Stream:
    """A /ws/metrics client that notes when its socket closed (CLOCK_BOOTTIME)."""

    def __init__(self, port: int, query: str = "") -> None:
        origin = f"http://127.0.0.1:{port}"
        self.ws = _Client.connect(
            f"ws://127.0.0.1:{port}/ws/metrics{query}", headers={"Origin": origin}
        )
        self.first_frame: float | None = None
        self.last_ts = 0.0
        self.closed_at: float | None = None
        self.frame = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while (frame := self.ws.receive()) is not None:
                if self.first_frame is None:
                    self.first_frame = boottime()
                self.last_ts = max(self.last_ts, float(json.loads(frame).get("ts", 0)))
                self.frame.set()
        except simple_websocket.ConnectionClosed:
            pass
        finally:
            self.closed_at = boottime()

    def close(self) -> None:
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            self.ws.close()


def wait(condition, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    raise RuntimeError(f"timed out waiting for {what}")


def measure(label: str, checkout: Path, reloads: int) -> Figures:
    figures = Figures(label)
    port = 18600 + os.getpid() % 300
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "MONITOR_DATABASE_URL": f"sqlite:///{folder}/monitor.db",
            "MONITOR_INTERVAL": "0.5",
            "MONITOR_HOSTNAME": "reload-bench",
            "MONITOR_PORT": str(port),
        }
        args = [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"]
        log = open(Path(folder) / "log", "w")  # noqa: SIM115
        master = subprocess.Popen(args, cwd=checkout, env=env, stdout=log, stderr=log)
        try:
            (worker,) = wait(lambda: children(master.pid), 30, "the worker")
            wait(lambda: healthz_pid(port) == worker, 60, "the worker's /healthz")
            figures.boot_s = boottime() - started_at(worker)
            stream = Stream(port)
            wait(stream.frame.is_set, 30, "a first frame")
            time.sleep(3)
            figures.master_rss_mb = memory_mb(master.pid, "VmRSS")
            figures.worker_rss_mb = memory_mb(worker, "VmRSS")
            pids = (master.pid, worker)
            figures.pss_mb = sum(memory_mb(p, "Pss", "smaps_rollup") for p in pids)
            for _ in range(reloads):
                stream, worker = reload_once(figures, master.pid, port, stream, worker)
                time.sleep(2)
            stream.close()
        finally:
            master.send_signal(signal.SIGTERM)
            master.wait(30)
            log.close()
    return figures


def reload_once(
    figures: Figures, master: int, port: int, stream: Stream, old: int
) -> tuple[Stream, int]:
    signalled = boottime()
    os.kill(master, signal.SIGHUP)
    wait(lambda: stream.closed_at, 10, "the 1001 close")
    again = Stream(port, f"?since={stream.last_ts}")  # at once, as the page does after a 1001
    new = wait(lambda: children(master) - {old}, 10, "a new worker")
    (worker,) = new
    wait(lambda: healthz_pid(port) == worker, 30, "the new worker's /healthz")
    ready = boottime()
    wait(lambda: again.first_frame, 30, "a frame from the new worker")
    figures.closed_s.append(stream.closed_at - signalled)  # type: ignore[operator]
    figures.forked_s.append(started_at(worker) - signalled)
    figures.ready_s.append(ready - signalled)
    figures.reboot_s.append(ready - started_at(worker))
    figures.live_s.append(again.first_frame - signalled)  # type: ignore[operator]
    return again, worker


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "–"


def table(rows: list[Figures], reloads: int) -> str:
    lines = [
        f"Machine: {machine()}. {reloads} reloads each (medians); times in seconds.",
        "",
        "| | master RSS | worker RSS | PSS of both | worker boot (fork → /healthz) "
        "| SIGHUP → 1001 | → new fork | → new worker ready | its boot "
        "| → first frame on the new socket |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in rows:
        lines.append(
            f"| {f.label} | {f.master_rss_mb:.1f} MB | {f.worker_rss_mb:.1f} MB | "
            f"{f.pss_mb:.1f} MB | "
            f"{f.boot_s:.2f} | {median(f.closed_s)} | {median(f.forked_s)} | "
            f"{median(f.ready_s)} | {median(f.reboot_s)} | {median(f.live_s)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout of another commit")
    args = parser.parse_args()
    rows = []
    if args.baseline:
        rows.append(measure(f"before ({args.baseline})", args.baseline.resolve(), args.reloads))
    rows.append(measure("this checkout", HERE, args.reloads))
    print(table(rows, args.reloads))


if __name__ == "__main__":
    main()
