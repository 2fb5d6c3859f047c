"""A PostgreSQL outage that only one side notices: the server keeps the old session.

When the network between the dashboard and PostgreSQL fails, the dashboard's kernel may give
up on its connections (retransmission timeout, a firewall's reset) while PostgreSQL, which was
only waiting for the next query, still holds the idle sessions, and with them the session-level
advisory lock that elected this process to sample (until TCP keepalive ends them: two hours by
default). The proxy here does exactly that: it resets the dashboard's side of every connection
and keeps the PostgreSQL side open. Once the network is back, the one process that sampled this
host must go on sampling; its own stale session must not leave the host unwatched.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

from tests.faults.figures import record
from tests.faults.support import (
    SCHEDULING_SLACK_S,
    TimedClient,
    alive,
    app_process,
    stream_problems,
)
from tests.support.polling import wait_for
from tests.support.postgres import temporary_schema
from tests.support.servers import free_port, get_json

INTERVAL = 0.5
OUTAGE_S = 3.0
WATCH_S = 8.0  # after the network is back: longer than the election's retries (every 0.25 s)
HOST = "faults-ghost"


class OneSidedProxy:
    """Forwards 127.0.0.1:``port`` to ``target``. ``cut_client_side`` resets the client's end
    of every connection and refuses new ones, but leaves the server's end open and silent."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._ghosts: set[socket.socket] = set()  # server ends kept open after a cut
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:  # a ghost's server end stays open: PostgreSQL must not notice
            ghosts = self._ghosts
        for sock in (source, sink):
            if sock not in ghosts:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut_client_side(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self._ghosts.update(upstream for _, upstream in pairs)
        for client, _ in pairs:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # linger 0: a reset, as a firewall or a timed-out kernel sends

    def close(self) -> None:
        self.cut_client_side()
        with self._lock:
            ghosts, self._ghosts = self._ghosts, set()
        for sock in ghosts:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def test_the_sampler_survives_its_own_stale_session() -> None:
    proxy = OneSidedProxy(("127.0.0.1", 5432))
    proxy.start()
    try:
        with temporary_schema() as url:
            proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            env = {"MONITOR_BATCH_INTERVAL": "1"}
            with app_process(proxied, interval=INTERVAL, hostname=HOST, env=env) as app:
                port = app.port
                base = f"http://127.0.0.1:{port}"
                wait_for(
                    lambda: (r := get_json(f"{base}/readyz")) and r.get("ready"),
                    timeout=60,
                    message=f"the dashboard ready on PostgreSQL\n{app.log()}",
                )
                client = TimedClient(port)
                try:
                    wait_for(lambda: len(client.arrivals) >= 4, message="live samples")
                    proxy.cut_client_side()
                    cut_at = time.monotonic()
                    client.closed.wait(OUTAGE_S)  # the outage lasts this long
                    proxy.start()
                    restored_at = time.monotonic()
                    roles = []
                    while time.monotonic() - restored_at < WATCH_S:
                        assert alive(app), app.log()
                        health = get_json(f"{base}/healthz")
                        if health is not None:  # None: too slow to answer, try again
                            roles.append(health["role"])
                        client.closed.wait(0.25)
                    ended_at = time.monotonic()
                    after = [a for a in client.arrivals if a.at > restored_at]
                    silent_s = ended_at - client.arrivals[-1].at
                    problems, longest = stream_problems(
                        [a for a in client.arrivals if a.at > cut_at],
                        INTERVAL,
                        slack=SCHEDULING_SLACK_S,
                    )
                finally:
                    client.close()
                log = app.log()
    finally:
        proxy.close()
    record(
        "PostgreSQL outage seen only by the dashboard (server keeps the stale session)",
        [
            ("samples received in the 8 s after the network came back", len(after)),
            ("longest wait between two frames from the cut on (s)", longest),
            ("no sample for, at the end (s)", silent_s),
            (
                "roles reported after the network came back",
                ", ".join(dict.fromkeys(map(str, roles))),
            ),
            (
                "log",
                " / ".join(
                    line.split(": ", 1)[-1].strip()
                    for line in log.splitlines()
                    if "another process samples" in line or "elected" in line
                ),
            ),
        ],
    )
    assert set(roles) == {"sampler"}, roles
    assert not problems, problems[:5]
    assert silent_s <= 2 * INTERVAL
    assert len(after) >= WATCH_S / INTERVAL - 2
