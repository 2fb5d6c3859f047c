"""600 WebSocket connect/disconnect cycles against `python -m app`: nothing left, nothing logged.

The cycles take turns: a clean close (the closing handshake), a drop (the TCP connection shut
down: a killed tab), a reset (RST), and a half handshake (the upgrade request cut short, or sent
whole and reset before the answer). Threads and open files of the server must come back to
exactly where they were, its memory must not grow, and its log must hold no traceback: a
client that goes away at any moment is a normal disconnect.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import struct
import time
from pathlib import Path

from wsproto.events import CloseConnection

from tests.faults.figures import record
from tests.faults.support import alive, app_process, proc_status
from tests.live.wsclient import WsClient
from tests.support.polling import wait_for
from tests.support.servers import get_json

CYCLES = 600
WARM_UP = 20
INTERVAL = 0.2
# simple-websocket's reader thread of an aborted connection (and its epoll fd) may outlive the
# connection until its next keepalive ping: a short ping interval keeps the test short.
PING_S = 5.0
# gunicorn's gthread worker serves from a thread pool that grows on demand up to `threads` and
# never shrinks; the warm-up fills it (POOL connections at once), so that afterwards every
# thread more than the baseline is one left behind.
POOL = 16
KINDS = ("clean close", "drop", "reset", "half handshake")
LOG_TROUBLE = re.compile(r"Traceback|Exception in thread|Exception on |Socket error|Error handling")


def reset(sock: socket.socket) -> None:
    """Ends a TCP connection with RST (SO_LINGER 0), as a crashed client's kernel does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def half_handshake(port: int, whole: bool) -> None:
    """An upgrade request cut short, or sent whole and reset before the server's answer."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /ws/metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request if whole else request[: len(request) // 2])
    reset(sock)


def cycle(port: int, index: int, since: float | None, odd_closes: list[str]) -> float | None:
    """One connection of the kind ``index`` picks; the ``ts`` of its first frame (None for a
    half handshake). A closing handshake that does not end with the server's 1000 is noted in
    ``odd_closes`` (see test_slow_client.py: frames written by two threads can interleave)."""
    kind = KINDS[index % len(KINDS)]
    if kind == "half handshake":
        half_handshake(port, whole=index // len(KINDS) % 2 == 0)
        return None
    path = "/ws/metrics" if since is None else f"/ws/metrics?since={since}"
    client = WsClient(port, path, origin=f"http://127.0.0.1:{port}")
    assert client.status == 101, client.status
    try:
        first = json.loads(client.receive_texts(1, timeout=10)[0])
        if kind == "clean close":
            client.sock.sendall(client.conn.send(CloseConnection(code=1000)))
            client.pump(lambda: client.close_code is not None, timeout=10)
            if client.close_code != 1000:
                reasons = [e.reason for e in client.events if isinstance(e, CloseConnection)]
                odd_closes.append(f"{client.close_code} {reasons[-1] if reasons else ''}")
        elif kind == "reset":
            reset(client.sock)
    finally:
        client.abort()
    return first["ts"]


def cycles(port: int, first: int, count: int, since: float | None, odd: list[str]) -> float | None:
    """``count`` cycles; whole backlogs and only-newer-than-an-earlier-frame take turns."""
    for i in range(first, first + count):
        ts = cycle(port, i, since if i % 8 >= 4 else None, odd)
        since = ts if ts is not None else since
    return since


def live_clients(port: int) -> int | None:
    health = get_json(f"http://127.0.0.1:{port}/healthz")
    return None if health is None else health["live_clients"]


def quiet(pid: int, for_s: float, timeout: float) -> dict[str, int]:
    """The server's figures once its threads and fds have not changed for ``for_s`` seconds."""
    since, last = time.monotonic(), proc_status(pid)

    def unchanged_long_enough() -> dict[str, int] | None:
        nonlocal since, last
        now = proc_status(pid)
        if (now["threads"], now["fds"]) != (last["threads"], last["fds"]):
            since, last = time.monotonic(), now
            return None
        return now if time.monotonic() - since >= for_s else None

    return wait_for(unchanged_long_enough, timeout=timeout, interval=0.1, message="a quiet server")


def test_connect_disconnect_cycles_leave_nothing_behind_and_log_no_trouble(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    env = {"MONITOR_WS_PING_INTERVAL": str(PING_S), "MONITOR_THREADS": str(POOL)}
    with app_process(url, interval=INTERVAL, hostname="faults-churn", env=env) as app:
        port, pid = app.port, app.server_pid  # the gunicorn worker
        wait_for(
            lambda: (s := get_json(f"http://127.0.0.1:{port}/api/v1/latest")) and "seq" in s,
            timeout=60,
            message=f"a first sample\n{app.log()}",
        )
        held = [WsClient(port, origin=f"http://127.0.0.1:{port}") for _ in range(POOL)]
        for client in held:
            client.receive_texts(1, timeout=10)
            client.abort()
        odd_closes: list[str] = []
        since = cycles(port, 0, WARM_UP, None, odd_closes)
        baseline = quiet(pid, for_s=PING_S + 1, timeout=4 * PING_S)
        started = time.monotonic()
        cycles(port, 0, CYCLES, since, odd_closes)
        churn_s = time.monotonic() - started
        right_after = proc_status(pid)
        assert alive(app), app.log()
        try:
            after = wait_for(
                lambda: (
                    (s := proc_status(pid))
                    and (s["threads"], s["fds"]) == (baseline["threads"], baseline["fds"])
                    and s
                ),
                timeout=PING_S + 15,
                message="threads and file descriptors back to the baseline",
            )
            back_after = time.monotonic() - started - churn_s
        except AssertionError:
            after, back_after = proc_status(pid), None
            raise
        finally:
            output = list(app.output)  # the whole log, late thread errors included
            trouble = [line.rstrip() for line in output if LOG_TROUBLE.search(line)]
            tracebacks = [line for line in output if line.startswith("Traceback")]
            error_lines = {line.strip() for line in output if re.match(r"^\w+Error\b", line)}
            record(
                f"{CYCLES} WebSocket connect/disconnect cycles against `python -m app`",
                [
                    (f"cycles ({', '.join(KINDS)} in turn)", CYCLES),
                    ("gunicorn gthread pool (MONITOR_THREADS), filled by the warm-up", POOL),
                    ("time for all cycles (s)", churn_s),
                    (
                        "threads before / right after the cycles / after",
                        f"{baseline['threads']} / {right_after['threads']} / {after['threads']}",
                    ),
                    (
                        "open fds before / right after the cycles / after",
                        f"{baseline['fds']} / {right_after['fds']} / {after['fds']}",
                    ),
                    (f"back to the baseline after (s; ping every {PING_S:g} s)", back_after),
                    (
                        "RSS before / after (MiB)",
                        f"{baseline['rss_kb'] / 1024:.1f} / {after['rss_kb'] / 1024:.1f}",
                    ),
                    (
                        "closing handshakes not answered with 1000",
                        f"{len(odd_closes)} {'; '.join(sorted(set(odd_closes)))}",
                    ),
                    ("tracebacks in the server's log", len(tracebacks)),
                    (
                        "log lines of trouble (tracebacks, thread exceptions, socket errors)",
                        len(trouble),
                    ),
                    ("their errors", "; ".join(sorted(error_lines)) or "none"),
                ],
            )
        assert after["rss_kb"] - baseline["rss_kb"] < 10 * 1024
        assert odd_closes == []  # every closing handshake the client began was answered
        assert trouble == [], trouble[:20]  # a client going away is a normal disconnect
        wait_for(lambda: live_clients(port) == 0, message="no live client left in the hub")
