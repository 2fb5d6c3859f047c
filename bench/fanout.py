"""Benchmark: live fan-out to many WebSocket clients, against HTTP polling, under gunicorn.

Run: ``.venv/bin/python -m bench.fanout [--clients 100 500] [--seconds 60]``

For each client count, a fresh ``gunicorn -c gunicorn.conf.py wsgi:app`` (one gthread worker,
threads sized for the clients, SQLite) samples this host at 1 Hz, and one asyncio process holds
the clients, on loopback:

- WebSocket: each client connects to ``/ws/metrics`` as a browser does (``Origin`` header,
  ``permessage-deflate`` offered), skips the backlog, then records for every sample the delay
  from the sample's timestamp (its tick's slot) to its arrival, and the bytes that arrived.
- Polling (what the product replaces): each client GETs ``/api/v1/latest`` once a second with
  ``Accept-Encoding: gzip`` over a kept-alive connection, and records the age of what it got.

Reported per mode: p50/p99 delay, the server's CPU (master and workers, from /proc) per client
as a share of one core, and bytes on the wire per client per minute (headers and framing
included). Both modes run in this one invocation, so they are compared on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import wsproto
from wsproto.events import AcceptConnection, CloseConnection, Message, Ping, Request
from wsproto.extensions import PerMessageDeflate

from bench.common import machine, table
from tests.support.servers import free_port, get_json, gunicorn

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass
class Stats:
    delays: list[float] = field(default_factory=list)
    bytes: int = 0
    errors: int = 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the given processes and their threads."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS_PER_SECOND


def server_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


async def websocket_client(port: int, stats: Stats, start: float, stop: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
    connection = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    writer.write(
        connection.send(
            Request(
                host=f"127.0.0.1:{port}",
                target="/ws/metrics",
                extra_headers=[(b"Origin", f"http://127.0.0.1:{port}".encode())],
                extensions=[PerMessageDeflate()],
            )
        )
    )
    await writer.drain()
    text: list[str] = []
    try:
        while time.time() < stop:
            data = await asyncio.wait_for(reader.read(65536), timeout=stop - time.time() + 5)
            if not data:
                break
            now = time.time()
            if now >= start:
                stats.bytes += len(data)
            connection.receive_data(data)
            for event in connection.events():
                if isinstance(event, Message):
                    text.append(event.data)
                    if event.message_finished:
                        sample = json.loads("".join(text))
                        text.clear()
                        if now >= start and sample["ts"] >= start - 1:
                            stats.delays.append(now - sample["ts"])
                elif isinstance(event, Ping):
                    writer.write(connection.send(event.response()))
                elif isinstance(event, CloseConnection):
                    return
                elif not isinstance(event, AcceptConnection):
                    pass
    except (TimeoutError, ConnectionError, wsproto.utilities.LocalProtocolError):
        stats.errors += 1
    finally:
        writer.close()


async def polling_client(port: int, stats: Stats, start: float, stop: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET /api/v1/latest HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    offset = (hash(id(stats)) % 1000) / 1000  # clients spread over the second, as browsers are
    next_poll = start + offset
    try:
        while next_poll < stop:
            await asyncio.sleep(max(0.0, next_poll - time.time()))
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            body = await reader.readexactly(length)
            now = time.time()
            stats.bytes += len(request) + len(head) + len(body)
            if b"gzip" in head.lower():
                import gzip

                body = gzip.decompress(body)
            stats.delays.append(now - json.loads(body)["ts"])
            next_poll += 1.0
    except (ConnectionError, asyncio.IncompleteReadError, StopIteration, ValueError):
        stats.errors += 1
    finally:
        writer.close()


async def run_clients(mode: str, port: int, count: int, seconds: float) -> list[Stats]:
    start = time.time() + 5  # connect and skip the backlog first
    stop = start + seconds
    stats = [Stats() for _ in range(count)]
    client = websocket_client if mode == "websocket" else polling_client
    tasks = []
    for s in stats:
        tasks.append(asyncio.create_task(client(port, s, start, stop)))
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks)
    return stats


def measure(mode: str, count: int, seconds: float, folder: Path) -> dict[str, float]:
    port = free_port()
    env = {
        "MONITOR_DATABASE_URL": f"sqlite:///{folder / f'{mode}-{count}.db'}",
        "MONITOR_THREADS": str(count + 16),
        "MONITOR_LOG_LEVEL": "warning",
        "MONITOR_BACKLOG_SECONDS": "60",
    }
    with gunicorn(port, env) as server:
        deadline = time.time() + 60
        while "seq" not in (get_json(f"http://127.0.0.1:{port}/api/v1/latest") or {}):
            if time.time() > deadline:
                raise RuntimeError(server.log())
            time.sleep(0.2)
        pids = server_pids(server.popen.pid)
        loop_start = time.time() + 5
        cpu_before = [None]

        async def go() -> list[Stats]:
            async def mark() -> None:
                await asyncio.sleep(max(0.0, loop_start - time.time()))
                cpu_before[0] = cpu_seconds(pids)

            marker = asyncio.create_task(mark())
            result = await run_clients(mode, port, count, seconds)
            await marker
            return result

        stats = asyncio.run(go())
        cpu = cpu_seconds(pids) - (cpu_before[0] or 0.0)
    delays = np.array([d for s in stats for d in s.delays]) * 1000
    return {
        "p50": float(np.percentile(delays, 50)),
        "p99": float(np.percentile(delays, 99)),
        "received": len(delays) / count,
        "cpu_share": cpu / seconds * 100,
        "cpu_per_client": cpu / seconds * 100 / count,
        "kb_per_min": np.mean([s.bytes for s in stats]) / seconds * 60 / 1000,
        "errors": sum(s.errors for s in stats),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = []
    with TemporaryDirectory() as folder:
        for count in args.clients:
            for mode in ("websocket", "polling"):
                r = measure(mode, count, args.seconds, Path(folder))
                rows.append(
                    [
                        mode,
                        count,
                        f"{r['p50']:.1f}",
                        f"{r['p99']:.1f}",
                        f"{r['received']:.1f}",
                        f"{r['cpu_share']:.1f} %",
                        f"{r['cpu_per_client']:.3f} %",
                        f"{r['kb_per_min']:.1f}",
                        r["errors"],
                    ]
                )
                print(rows[-1], flush=True)
    print(
        table(
            [
                "mode",
                "clients",
                "p50 ms",
                "p99 ms",
                "samples per client",
                "server CPU (of one core)",
                "CPU per client",
                "KB per client per minute",
                "errors",
            ],
            rows,
        )
    )
    print(
        f"({args.seconds:g} s measured per row after connecting; delay = arrival time minus "
        "the sample's tick time, so it includes the ~10-20 ms the tick takes to collect)"
    )


if __name__ == "__main__":
    main()
