"""Benchmark: the dashboard's own footprint at 1 Hz against Glances in web mode.

Run: ``make bench-env`` once (Glances in its own virtualenv, .bench-venv), then
``.venv/bin/python -m bench.overhead [--windows 5] [--seconds 30] [--baseline DIR]``

Three processes (trees) run at the same time and are measured over the same windows, so the
noise of a shared machine hits them alike:

1. the dashboard (``python -m app``: a gunicorn master and its worker, both counted): sampling
   at 1 Hz, storing to SQLite, serving one live WebSocket client that reads every sample (as an
   open browser tab does);
2. Glances 4.5 in web mode (``glances -w -t 1``), polled the way its web UI polls:
   ``/api/4/all`` and ``/api/4/all/views`` once a second;
3. the floor: a bare loop making the sampler's operating-system reads once a second
   (``bench.sampler.floor_tick``).

With ``--baseline DIR`` (a checkout of another commit, e.g. ``git worktree add /tmp/before
HEAD~1``), that checkout's dashboard runs alongside too, with this virtualenv: before and after
in one run.

Per window: each tree's CPU as a share of one core (user + system from /proc), and the ratio
dashboard / Glances. Reported: the median share per process with its range, every window's
ratio, and RSS at the end.

A soak (``--minutes 60 --tab``): the windows fill that many minutes, the live client is a real
Chromium tab on the live page (``bench.footprint.live_tab``) instead of a socket reader, and
the memory of the dashboard's gunicorn master and worker is read apart (RSS and PSS) at every
window, beside Glances' and a bare gunicorn's (``bench.footprint.bare_gunicorn``: the floor of
any gunicorn master); a table of memory over time follows the CPU table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.common import cpu_seconds, machine, table
from bench.footprint import Memory, bare_gunicorn, children, live_tab, memory_mb, stop
from tests.support.servers import ROOT, LiveClient, Process, free_port, get_json

GLANCES = ROOT / ".bench-venv" / "bin" / "glances"


def rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
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


def wait_until(url: str, key: str | None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = get_json(url)
        if body is not None and (key is None or key in body):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


@dataclass
class Measured:
    """One process tree under measurement: its CPU share per window."""

    label: str
    pid: int
    counts_rss: bool = True  # the floor's RSS is the benchmark modules it imports: not shown
    shares: list[float] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)

    def rss(self) -> float:
        return sum(rss_mb(p) for p in self.pids)


@contextmanager
def serve_dashboard(folder: Path, root: Path, name: str) -> Iterator[tuple[int, int]]:
    """``python -m app`` run in checkout ``root`` on SQLite in ``folder``; yields (pid, port)."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "app",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{folder / name}.db",
        "--log-level",
        "WARNING",
    ]
    server = subprocess.Popen(args, cwd=root, start_new_session=True)
    try:
        wait_until(f"http://127.0.0.1:{port}/api/v1/latest", "seq")
        yield server.pid, port
    finally:
        stop(server)


@contextmanager
def dashboard(folder: Path, root: Path, name: str) -> Iterator[tuple[int, LiveClient]]:
    """``serve_dashboard`` with one live client; yields (pid, client)."""
    with serve_dashboard(folder, root, name) as (pid, port):
        client = LiveClient(port)
        try:
            yield pid, client
        finally:
            client.close()


@contextmanager
def glances() -> Iterator[tuple[int, str]]:
    """Glances in web mode at a 1 s refresh; yields (pid, API base URL)."""
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
        yield server.popen.pid, base


def poll_like_its_ui(base: str) -> None:
    for path in ("/all", "/all/views"):
        with urllib.request.urlopen(base + path, timeout=5) as response:
            response.read()


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


@contextmanager
def floor() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", FLOOR], cwd=ROOT)
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def measure(
    trees: list[Measured],
    windows: int,
    seconds: float,
    base: str,
    after_window: Callable[[int], None] = lambda _window: None,
) -> None:
    """``windows`` windows of ``seconds``, polling Glances once a second throughout;
    ``after_window(n)`` runs after window ``n`` (1-based), outside the measured time."""
    for measured in trees:
        measured.pids = tree(measured.pid)
    for window in range(1, windows + 1):
        before = [cpu_seconds(m.pids) for m in trees]
        started = time.monotonic()
        tick = 0
        while time.monotonic() - started < seconds:
            tick += 1
            poll_like_its_ui(base)
            time.sleep(max(0.0, started + tick - time.monotonic()))
        elapsed = time.monotonic() - started
        for measured, used in zip(trees, before, strict=True):
            measured.shares.append((cpu_seconds(measured.pids) - used) / elapsed * 100)
        after_window(window)


@dataclass
class MemoryLog:
    """The memory of the soak's processes, read after each window."""

    ours: int  # the dashboard's gunicorn master
    glances: int
    bare: int  # bare gunicorn's master
    rows: list[list[str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def read(self, window: int) -> list[Memory]:
        """master, worker, bare master, bare worker, Glances."""
        worker = next(iter(children(self.ours)), 0)
        bare_worker = next(iter(children(self.bare)), 0)
        pids = (self.ours, worker, self.bare, bare_worker, self.glances)
        return [memory_mb(pid) for pid in pids]

    def record(self, window: int, every: int, last: int) -> None:
        if window != 1 and window % every and window != last:
            return
        minute = (time.monotonic() - self.started) / 60
        readings = self.read(window)
        row = [f"{minute:.0f}"] + [f"{m.rss:.1f} / {m.pss:.1f}" for m in readings]
        self.rows.append(row)
        print("memory at minute " + " | ".join(row), flush=True)

    def table(self) -> str:
        header = [
            "minute",
            "master RSS / PSS",
            "worker RSS / PSS",
            "bare gunicorn master",
            "bare gunicorn worker",
            "Glances",
        ]
        return table(header, self.rows) + "\n(MiB; RSS / PSS from /proc/PID/smaps_rollup)"


def report(trees: list[Measured], windows: int, seconds: float) -> str:
    reference = next(m for m in trees if m.label.startswith("Glances"))
    rows = []
    for m in trees:
        ratios = [ours / theirs for ours, theirs in zip(m.shares, reference.shares, strict=True)]
        rows.append(
            [
                m.label,
                f"{statistics.median(m.shares):.2f} %",
                f"{min(m.shares):.2f}–{max(m.shares):.2f} %",
                f"{statistics.median(ratios):.2f}x",
                " ".join(f"{r:.2f}" for r in ratios),
                f"{m.rss():.0f}" if m.counts_rss else "—",
            ]
        )
    header = ["process", "CPU median", "CPU range", "vs Glances", "per window", "RSS MB"]
    note = f"({windows} windows of {seconds:g} s, all processes at once)"
    return table(header, rows) + "\n" + note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--baseline", type=Path, help="checkout whose dashboard also runs")
    parser.add_argument("--minutes", type=float, help="soak: windows filling this many minutes")
    parser.add_argument("--tab", action="store_true", help="a Chromium tab as the live client")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE if set (each start compiles the project's modules)",
    )
    args = parser.parse_args()
    if not args.no_bytecode_cache:  # as a deployment runs: Python's bytecode cache on, filled
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # (as by its first start) beforehand
        subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "collectors", "storage",
                        "analysis", "lifecycle", "gunicorn.conf.py", "wsgi.py"], cwd=ROOT,
                       check=True)  # fmt: skip
    windows = args.windows
    if args.minutes is not None:
        windows = max(1, round(args.minutes * 60 / args.seconds))
    print(f"machine: {machine()}")
    print(f"bytecode cache: {'off' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'on'}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with ExitStack() as stack, TemporaryDirectory() as folder:
        ours, port = stack.enter_context(serve_dashboard(Path(folder), ROOT, "ours"))
        client = None if args.tab else stack.enter_context(closing(LiveClient(port)))
        tab = stack.enter_context(live_tab(port)) if args.tab else None
        trees = [Measured(f"this dashboard (sample + SQLite + 1 live {_client(args)})", ours)]
        if args.baseline is not None:
            before, _ = stack.enter_context(dashboard(Path(folder), args.baseline, "base"))
            trees.append(Measured(f"baseline dashboard ({args.baseline.name})", before))
        theirs, base = stack.enter_context(glances())
        trees.append(Measured("Glances 4.5 web, polled /api/4/all + /all/views at 1 s", theirs))
        floor_pid = stack.enter_context(floor())
        trees.append(Measured("bare reads of the sampler (floor)", floor_pid, counts_rss=False))
        bare = stack.enter_context(bare_gunicorn(Path(folder)))
        log = MemoryLog(ours, theirs, bare)
        every = max(1, round(600 / args.seconds))  # a memory row every 10 minutes
        for _ in range(5):  # warm up: backlog sent, first batch written, Glances' first refresh
            poll_like_its_ui(base)
            time.sleep(1)
        received = tab.frames() if tab else len(client.samples)
        measure(trees, windows, args.seconds, base, lambda n: log.record(n, every, windows))
        got = (tab.frames() if tab else len(client.samples)) - received
        expected = windows * args.seconds
        assert got > expected * 0.9, f"the live client fell behind: {got} of {expected:.0f}"
        print(report(trees, windows, args.seconds))
        print(log.table())
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def _client(args: argparse.Namespace) -> str:
    return "Chromium tab" if args.tab else "WebSocket reader"


if __name__ == "__main__":
    main()
