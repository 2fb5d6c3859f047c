"""Helpers of the fault tests: real `python -m app` processes, their resource use, and
WebSocket clients that record when each frame arrived."""

from __future__ import annotations

import base64
import contextlib
import errno
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.servers import LiveClient, Process, free_port, get_json
from tests.support.tcp_proxy import TcpProxy


@dataclass(frozen=True)
class Arrival:
    """One frame a client received: when (monotonic), its identity and its health section
    (a thin backlog sample, ``thin``, carries only the interval of its health)."""

    at: float
    seq: int
    ts: float
    host: str
    size: int
    health: dict[str, Any]
    thin: bool = False


class TimedClient(LiveClient):
    """A LiveClient that keeps, per frame, only its arrival time, identity and health (so a
    test that receives hundreds of large samples does not hold them all)."""

    def __init__(self, port: int, query: str = "") -> None:
        self.arrivals: list[Arrival] = []
        super().__init__(port, query)

    def _received(self, frame: str) -> None:
        now = time.monotonic()
        sample = json.loads(frame)
        self.arrivals.append(
            Arrival(
                now,
                sample["seq"],
                sample["ts"],
                sample["host"],
                len(frame),
                sample.get("health", {}),
                bool(sample.get("thin")),
            )
        )


class AppProcess(Process):
    """A server process, the port it serves on and the pid of the process that answers there
    (``python -m app`` runs gunicorn: a master and one worker, which samples and serves)."""

    port: int = 0
    server_pid: int = 0

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM to the whole process group (gunicorn's master and worker, and a server
        under ``unshare``, which ignores SIGTERM itself), then as ``Process.terminate``."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
        return super().terminate(timeout)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as file:
                    children = {int(c) for c in file.read().split()}
                todo += children - found
                found |= children
    return found


def serving(process: Process, port: int, timeout: float = 60.0) -> int | None:
    """The pid of ``process`` or of one of its descendants once it answers /healthz on
    ``port``; None when ``process`` ends first (the port was taken meanwhile: other test
    sessions run on this machine too)."""
    deadline = Deadline(timeout)
    while not deadline.passed():
        if process.popen.poll() is not None:
            return None
        health = get_json(f"http://127.0.0.1:{port}/healthz", timeout=2)
        pid = health.get("pid") if health else None
        if pid is not None and pid in {process.popen.pid, *descendants(process.popen.pid)}:
            return pid
        threading.Event().wait(0.1)
    raise AssertionError(f"no answer on port {port} after {timeout} s\n{process.log()}")


def app_process(
    database_url: str,
    *,
    interval: float,
    hostname: str,
    env: dict[str, str] | None = None,
    command: Any = None,
) -> AppProcess:
    """``python -m app`` (real collectors) serving on a free loopback port, ``.port``; another
    port is tried when the first one was taken before the server could bind it.
    ``command(port) -> args`` may replace the command line."""
    log = ""
    for _ in range(3):
        port = free_port()
        args = [sys.executable, "-m", "app", "--port", str(port), "--database-url", database_url]
        args += ["--interval", str(interval), "--hostname", hostname]
        if command is not None:
            args = command(port)
        process = AppProcess(args, env or {})
        process.port = port
        try:
            pid = serving(process, port)
        except BaseException:
            process.terminate()
            raise
        if pid is not None:
            process.server_pid = pid
            return process
        log = process.log()
        process.terminate()
    raise AssertionError(f"the server could not start on three ports\n{log}")


@contextlib.contextmanager
def app_behind_proxy(
    proxy: TcpProxy, *, interval: float, hostname: str, batch_interval: float
) -> Iterator[tuple[AppProcess, str]]:
    """``python -m app`` on a fresh PostgreSQL schema that it reaches through ``proxy``
    (started here, closed on the way out), once /readyz says ready; yields the process and the
    schema's direct URL."""
    proxy.start()
    try:
        with temporary_schema() as url:
            proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            env = {"MONITOR_BATCH_INTERVAL": f"{batch_interval:g}"}
            with app_process(proxied, interval=interval, hostname=hostname, env=env) as app:
                wait_for(
                    lambda: (
                        (r := get_json(f"http://127.0.0.1:{app.port}/readyz")) and r.get("ready")
                    ),
                    timeout=60,
                    message=f"the dashboard ready on PostgreSQL\n{app.log()}",
                )
                yield app, url
    finally:
        proxy.close()


def open_fds(pid: int) -> int:
    """Open file descriptors of ``pid``, less its momentary reads of /proc (the sampler's
    psutil scan opens and closes /proc/<pid>/stat files every tick)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:  # closed meanwhile
            continue
        count += not target.startswith("/proc/")
    return count


def proc_status(pid: int) -> dict[str, int]:
    """Threads, open file descriptors (see ``open_fds``) and resident memory (KiB) of ``pid``."""
    fields: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("Threads", "VmRSS"):
                fields[key] = int(value.split()[0])
    return {
        "threads": fields["Threads"],
        "fds": open_fds(pid),
        "rss_kb": fields.get("VmRSS", 0),
    }


def rss_kb() -> int:
    """Resident memory of this process, KiB."""
    return proc_status(os.getpid())["rss_kb"]


def raw_websocket(port: int, path: str = "/ws/metrics", rcvbuf: int | None = None) -> socket.socket:
    """A socket that completed the upgrade of ``path`` (101) and then reads nothing more."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # before connect, so the advertised window stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: nothing after the headers is taken
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    status = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status + b" ":
        sock.close()
        raise ConnectionError(f"upgrade refused: {status!r}")
    return sock


class Deadline:
    """Time left until a moment, for loops that must end."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    @property
    def left(self) -> float:
        return self.end - time.monotonic()

    def passed(self) -> bool:
        return self.left <= 0


def alive(process: Process) -> bool:
    return process.popen.poll() is None


# Two frames of a real `python -m app` may arrive this much later than the cadence allows on a
# shared 2-core CI machine (other test sessions run beside these); a sampler or a live stream
# that waits for the database would still show as gaps of seconds (connect timeout: 5 s).
SCHEDULING_SLACK_S = 0.5


def stream_problems(
    arrivals: list[Arrival], interval: float, *, timing: bool = True, slack: float = 0.0
) -> tuple[list[str], float]:
    """What breaks "one sample per interval, in order, none lost" in ``arrivals`` (consecutive
    frames of one host), and the longest wait between two frames (seconds).

    A jump in ``seq`` is allowed only when the sampler counted that many skipped ticks; two
    frames may be at most ``(seq jump + 1) * interval + slack`` apart (two intervals for
    neighbours), unless ``timing`` is False.
    """
    problems: list[str] = []
    longest = 0.0
    for before, after in itertools.pairwise(arrivals):
        jump = after.seq - before.seq
        skipped = after.health.get("skipped_ticks", 0) - before.health.get("skipped_ticks", 0)
        gap = after.at - before.at
        longest = max(longest, gap)
        if jump < 1:
            problems.append(f"seq {before.seq} then {after.seq}: out of order or repeated")
        elif jump - 1 != skipped:
            problems.append(
                f"seq {before.seq} -> {after.seq}: {jump - 1} missing, {skipped} skipped"
            )
        if timing and gap > (max(jump, 1) + 1) * interval + slack:
            lag = after.health.get("lag_ms")
            problems.append(f"{gap:.3f} s between seq {before.seq} and {after.seq} (lag {lag} ms)")
    return problems, longest


def known_simple_websocket_race(args: Any) -> str | None:
    """Names a known, harmless race inside simple-websocket 1.1's reader thread, or None.

    - its thread registers the socket with a selector when it starts: a connection that
      already ended (a client that aborts right after the upgrade) raises EBADF there;
    - on a ping timeout it calls ``close()``, which raises ConnectionClosed when the stream
      thread closed the connection meanwhile.
    Both only end a thread that was ending anyway, but print a traceback (see the report).
    """
    thread = args.thread.name if args.thread else ""
    if "simple_websocket" not in thread:
        return None
    lines = [frame.line or "" for frame in traceback.extract_tb(args.exc_traceback)]
    error = args.exc_value
    registering = any("sel.register" in line for line in lines)
    if isinstance(error, OSError) and error.errno == errno.EBADF and registering:
        return "simple-websocket: selector registered after the connection ended (EBADF)"
    if type(error).__name__ == "ConnectionClosed" and any("self.close(" in ln for ln in lines):
        return "simple-websocket: ping-timeout close of a connection already closed"
    return None


@contextlib.contextmanager
def tolerating_simple_websocket_races(seen: Counter) -> Iterator[Counter]:
    """Counts the known simple-websocket races of in-process servers in ``seen``; any other
    exception in a thread still fails the test. Waits (up to 5 s) on the way out for
    simple-websocket threads to end, so that their late exceptions are counted too."""
    previous = threading.excepthook

    def hook(args: Any) -> None:
        known = known_simple_websocket_race(args)
        if known is None:
            previous(args)
        else:
            seen[known] += 1

    threading.excepthook = hook
    try:
        yield seen
    finally:
        deadline = Deadline(5)
        while not deadline.passed() and any(
            "simple_websocket" in t.name for t in threading.enumerate()
        ):
            threading.Event().wait(0.05)
        threading.excepthook = previous
