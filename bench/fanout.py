"""Benchmark: live fan-out to many WebSocket clients, against HTTP polling, under gunicorn.

Run: ``.venv/bin/python -m bench.fanout [--clients 100 500] [--seconds 60] [--client-procs 2]``

For each client count, a fresh ``gunicorn -c gunicorn.conf.py wsgi:app`` (one gthread worker,
threads sized for the clients, SQLite) samples this host at 1 Hz, and ``--client-procs`` asyncio
processes hold the clients, on loopback:

- WebSocket: each client connects to ``/ws/metrics`` as Chromium does (``Origin`` header,
  ``permessage-deflate; client_max_window_bits`` offered), takes the backlog, then records for
  every sample the delay from the sample's timestamp (its tick's slot) to its arrival, and the
  bytes that arrived. The client does as little as it can while it listens (it splits frames
  and answers pings; inflating and parsing the JSON wait until the end), so that its own CPU
  time does not show as delivery delay.
- Polling (what the product replaces): each client GETs ``/api/v1/latest`` once a second with
  ``Accept-Encoding: gzip`` over a kept-alive connection, and records the age of what it got.

Reported per mode: p50/p99 delay, the server's CPU (master and workers, from /proc) per client
as a share of one core, and bytes on the wire per client per minute (headers and framing
included). Both modes run in this one invocation, so they are compared on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

from bench.common import cpu_seconds, machine, table
from tests.support.servers import free_port, get_json, gunicorn

DEFLATE_TAIL = b"\x00\x00\xff\xff"
LINGER_S = 3.0  # how long WebSocket clients listen after the window, for late samples
OPCODE_TEXT, OPCODE_CONTINUATION, OPCODE_CLOSE, OPCODE_PING = 0x1, 0x0, 0x8, 0x9


@dataclass
class Stats:
    delays: list[float] = field(default_factory=list)
    bytes: int = 0
    errors: int = 0
    received: list[tuple[float, bool, bytes]] = field(default_factory=list)  # WebSocket, raw
    ticks: set[float] = field(default_factory=set)  # WebSocket: the samples it got, by ts


def server_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


class Frames:
    """Splits a server's (unmasked) frames out of a byte stream: (opcode, compressed, fin, data)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bool, bool, bytes]]:
        buffer = self._buffer
        buffer += data
        frames, pos = [], 0
        while len(buffer) - pos >= 2:
            first, size = buffer[pos], buffer[pos + 1] & 0x7F
            head = 2
            if size == 126:
                head = 4
                size = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
            elif size == 127:
                head = 10
                size = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
            if len(buffer) - pos < head + size:
                break
            payload = bytes(buffer[pos + head : pos + head + size])
            frames.append((first & 0x0F, bool(first & 0x40), bool(first & 0x80), payload))
            pos += head + size
        del buffer[:pos]
        return frames


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (mask key 0: XOR leaves the payload as it is); payload < 126."""
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


def message_delays(
    received: list[tuple[float, bool, bytes]], start: float, stop: float
) -> list[tuple[float, float]]:
    """Inflates (one decompressor, context kept, as RFC 7692 says) and parses the messages one
    client received; (ts, delay) of the samples taken between ``start`` and ``stop``."""
    inflater = zlib.decompressobj(-15)
    delays = []
    for arrival, compressed, payload in received:
        text = inflater.decompress(payload + DEFLATE_TAIL) if compressed else payload
        ts = json.loads(text)["ts"]
        if start <= ts < stop:
            delays.append((ts, arrival - ts))
    return delays


async def websocket_client(
    port: int, stats: Stats, start: float, stop: float, offset: float
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
    writer.write(
        (
            f"GET /ws/metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        ).encode()
    )
    frames = Frames()
    received = stats.received
    parts: list[bytes] = []
    compressed = False
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode())
        while time.time() < stop + LINGER_S:  # samples taken before stop may arrive after it
            data = await asyncio.wait_for(reader.read(65536), timeout=stop - time.time() + 9)
            now = time.time()
            if not data:
                break
            if start <= now < stop:
                stats.bytes += len(data)
            for opcode, rsv1, fin, payload in frames.feed(data):
                if opcode in (OPCODE_TEXT, OPCODE_CONTINUATION):
                    compressed = rsv1 if opcode == OPCODE_TEXT else compressed
                    parts.append(payload)
                    if fin:
                        received.append((now, compressed, b"".join(parts)))
                        parts.clear()
                elif opcode == OPCODE_PING:
                    pong = client_frame(0xA, payload)
                    writer.write(pong)
                    if start <= now < stop:
                        stats.bytes += len(pong)
                elif opcode == OPCODE_CLOSE:
                    return
    except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
        stats.errors += 1
    finally:
        writer.close()


async def polling_client(port: int, stats: Stats, start: float, stop: float, offset: float) -> None:
    request = (
        f"GET /api/v1/latest HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    next_poll = start + offset  # clients spread evenly over the second, as browsers are
    await asyncio.sleep(max(0.0, next_poll - 1 - time.time()))  # an idle connection is closed
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
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
                body = gzip.decompress(body)
            stats.delays.append(now - json.loads(body)["ts"])
            next_poll += 1.0
    except (ConnectionError, asyncio.IncompleteReadError, StopIteration, ValueError):
        stats.errors += 1
    finally:
        writer.close()


async def run_clients(
    mode: str, port: int, offsets: list[float], start: float, stop: float
) -> list[Stats]:
    stats = [Stats() for _ in offsets]
    client = websocket_client if mode == "websocket" else polling_client
    tasks = []
    for s, offset in zip(stats, offsets, strict=True):
        tasks.append(asyncio.create_task(client(port, s, start, stop, offset)))
        await asyncio.sleep(0.004)
    await asyncio.gather(*tasks)
    for s in stats:  # only once every client is done: decoding takes time from the others
        if s.received:
            pairs = message_delays(s.received, start, stop)
            s.delays, s.ticks, s.received = [d for _, d in pairs], {t for t, _ in pairs}, []
    return stats


def client_process(
    mode: str, port: int, offsets: list[float], start: float, stop: float
) -> list[Stats]:
    """One load-generating process: a client per polling offset, on its own event loop."""
    return asyncio.run(run_clients(mode, port, offsets, start, stop))


def measure(mode: str, count: int, seconds: float, procs: int, folder: Path) -> dict[str, float]:
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
        # Connect, take the backlog, and (WebSocket) reach a shared stream's keyframe first.
        start = time.time() + 10 + count * 0.004 + (25 if mode == "websocket" else 0)
        stop = start + seconds
        offsets = [(i + 0.5) / count for i in range(count)]
        cpu_connecting = cpu_seconds(pids)
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            pending = pool.starmap_async(
                client_process, [(mode, port, offsets[p::procs], start, stop) for p in range(procs)]
            )
            time.sleep(max(0.0, start - time.time()))
            cpu_before, began = cpu_seconds(pids), time.monotonic()
            cpu_connecting = cpu_before - cpu_connecting
            time.sleep(max(0.0, stop - time.time()))
            cpu = cpu_seconds(pids) - cpu_before
            elapsed = time.monotonic() - began
            stats = [s for group in pending.get() for s in group]
    delays = np.array([d for s in stats for d in s.delays]) * 1000
    ticks = set().union(*(s.ticks for s in stats))  # every sample some client got
    return {
        "p50": float(np.percentile(delays, 50)),
        "p99": float(np.percentile(delays, 99)),
        "received": len(delays) / count,
        "missing": sum(len(ticks - s.ticks) for s in stats) if ticks else None,
        "cpu_connecting": cpu_connecting,
        "cpu_share": cpu / elapsed * 100,
        "cpu_per_client": cpu / elapsed * 100 / count,
        "kb_per_min": np.mean([s.bytes for s in stats]) / seconds * 60 / 1000,
        "errors": sum(s.errors for s in stats),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--client-procs", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    rows = []
    with TemporaryDirectory() as folder:
        for count in args.clients:
            for mode in ("websocket", "polling"):
                r = measure(mode, count, args.seconds, args.client_procs, Path(folder))
                rows.append(
                    [
                        mode,
                        count,
                        f"{r['p50']:.1f}",
                        f"{r['p99']:.1f}",
                        f"{r['received']:.1f}",
                        "–" if r["missing"] is None else r["missing"],
                        f"{r['cpu_share']:.1f} %",
                        f"{r['cpu_per_client']:.3f} %",
                        f"{r['kb_per_min']:.1f}",
                        f"{r['cpu_connecting']:.1f}",
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
                "samples missed",
                "server CPU (of one core)",
                "CPU per client",
                "KB per client per minute",
                "server CPU s before the window",
                "errors",
            ],
            rows,
        )
    )
    print(
        f"({args.seconds:g} s measured per row after connecting; delay = arrival time minus "
        "the sample's tick time, so it includes the ~10-20 ms the tick takes to collect. "
        "WebSocket rows start 25 s after connecting, once every client has joined its shared "
        "stream: the handshakes, backlogs and per-connection compression until then are in "
        "'server CPU s before the window', with the sampling of that time. Samples missed: "
        "samples some WebSocket client got and another did not, or got more than 3 s after "
        "the window; polling gets what is latest at each poll.)"
    )


if __name__ == "__main__":
    main()
