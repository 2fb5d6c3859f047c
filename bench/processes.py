"""Benchmark: ``GET /api/v1/processes`` over a big process table, through real HTTP.

Run: ``.venv/bin/python -m bench.processes [--processes 2000] [--requests 300] [--real]``
(``--real``: this machine's own /proc instead of the fake one)

A fake /proc in a temporary folder (the kernel's answers as files, as the tests write them)
holds ``--processes`` processes: a quarter kernel threads (``kworker/N:M``, empty command
lines) and the rest user processes with long command lines, some with secrets to mask. One
``ProcessesCollector`` over it (the real one, the /proc path) scans it once, as a sampler tick
would, inside a real ``Monitor`` served by ``create_app`` on a loopback werkzeug server. Then:

- the first searches after the scan (each one reads details on its 25 ms budget until every
  process is read), their latency and how many processes were still unread;
- ``--requests`` searches once everything is read, for several queries (a rare name, the 25 %
  kworkers, every process, a pid), p50/p99/max over HTTP on one keep-alive connection, and
  the same calls to ``ProcessTable.search`` alone;
- the sampler's own extra cost: ``ProcessTable.keep`` per tick.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from werkzeug.serving import WSGIRequestHandler, make_server

from app.config import Config
from app.runtime.monitor import Monitor
from app.web.factory import create_app
from bench.common import machine, table
from collectors.processes import ProcessesCollector
from collectors.procfs import ProcfsReader

QUERIES = ("uniq-needle", "kworker", "", "1234")


def stat_line(pid: int, comm: str, state: str, rss_pages: int, start: int) -> str:
    fields = [state, 1, pid, pid, 0, -1, 4194560, 10, 0, 0, 0, pid % 97, 3, 0, 0, 20, 0, 1, 0,
              start, 10_000_000, rss_pages] + [0] * 30  # fmt: skip
    return f"{pid} ({comm}) " + " ".join(map(str, fields)) + "\n"


def fake_proc(root: Path, count: int) -> None:
    """``count`` processes under ``root``: a quarter kworkers, the rest with command lines."""
    root.mkdir()
    (root / "self").mkdir()
    for pid in range(1, count + 1):
        kernel = pid % 4 == 0
        comm = f"kworker/{pid % 16}:{pid % 7}" if kernel else f"app-{pid % 50}"
        if pid == count // 2:
            comm = "uniq-needle"
        args = [] if kernel else [f"/usr/bin/{comm}", "--config", f"/etc/{comm}.toml"]
        args += [f"--opt-{i}=value-{i}" for i in range(0 if kernel else 20)]
        if not kernel and pid % 10 == 1:
            args += ["--password", "hunter2", f"postgres://u:pw{pid}@db/x"]
        folder = root / str(pid)
        folder.mkdir()
        (folder / "stat").write_text(stat_line(pid, comm, "I" if kernel else "S", pid, pid * 3))
        (folder / "status").write_text(f"Name:\t{comm[:15]}\nUid:\t0\t0\t0\t0\n")
        (folder / "cmdline").write_bytes(b"".join(a.encode() + b"\0" for a in args))


def percentiles(values: list[float]) -> str:
    a = np.array(values) * 1000
    return f"{np.percentile(a, 50):.2f} / {np.percentile(a, 99):.2f} / {a.max():.2f}"


def timed_get(connection: http.client.HTTPConnection, path: str) -> tuple[float, dict]:
    start = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    assert response.status == 200, body
    return elapsed, json.loads(body)


class KeepAlive(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request(self, *args: object) -> None:
        pass


def run(processes: int, requests: int, real: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path("/proc") if real else Path(folder) / "proc"
        if not real:
            fake_proc(root, processes)
        collector = ProcessesCollector(procfs=ProcfsReader(str(root)))
        config = Config(database_url=f"sqlite:///{folder}/m.db", hostname="bench", interval=1.0)
        monitor = Monitor(config, collector_factory=lambda _c: [collector])
        monitor.sampler = monitor.build_sampler()  # not started: one tick by hand
        started = time.perf_counter()
        monitor.sampler.tick()
        tick_ms = (time.perf_counter() - started) * 1000
        server = make_server("127.0.0.1", 0, create_app(monitor=monitor).server, threaded=True,
                             request_handler=KeepAlive)  # fmt: skip
        threading.Thread(target=server.serve_forever, daemon=True).start()
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        print(machine())
        count = collector.table.search("", limit=1)["total"]
        print(f"{count} processes; one sampler tick over them: {tick_ms:.1f} ms\n")
        connection.request("GET", "/healthz")  # the first request starts the monitor's threads
        connection.getresponse().read()
        first = []
        while True:
            elapsed, body = timed_get(connection, "/api/v1/processes?q=needle")
            first.append((elapsed * 1000, body["unread"], body["matched"]))
            if not body["unread"]:
                break
        print("First searches after the scan (ms, processes still unread, matched):")
        print(", ".join(f"{ms:.1f} ms / {unread} / {m}" for ms, unread, m in first), "\n")
        rows = []
        for query in QUERIES:
            http_times = [timed_get(connection, f"/api/v1/processes?q={query}")[0]
                          for _ in range(requests)]  # fmt: skip
            matched = timed_get(connection, f"/api/v1/processes?q={query}")[1]["matched"]
            direct = []
            for _ in range(requests):
                start = time.perf_counter()
                collector.table.search(query)
                direct.append(time.perf_counter() - start)
            rows.append([repr(query), str(matched), percentiles(http_times), percentiles(direct)])
        headers = ["q", "matched", "HTTP p50 / p99 / max ms", "search() p50 / p99 / max ms"]
        print(table(headers, rows))
        scanned = collector.table
        keep = []
        scan = ProcfsReader(str(root)).scan()
        for _ in range(requests):
            start = time.perf_counter()
            scanned.keep(scan)
            keep.append(time.perf_counter() - start)
        print(f"\nProcessTable.keep per tick: p50 {np.percentile(keep, 50) * 1e6:.2f} µs")
        connection.close()
        server.shutdown()
        monitor.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--real", action="store_true", help="this machine's /proc")
    args = parser.parse_args()
    run(args.processes, args.requests, args.real)


if __name__ == "__main__":
    main()
