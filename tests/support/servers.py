"""Real server processes for tests: gunicorn and agents, on free loopback ports."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import simple_websocket

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def abort(sock: socket.socket) -> None:
    """Drops a TCP connection (or stops a listener) without any closing handshake."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def get_json(url: str, timeout: float = 3.0) -> Any:
    """The JSON body of a GET, or None when the server does not answer (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class Process:
    """A child process whose output is kept (for failure messages) and that is always ended."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.output.append(line)

    def log(self) -> str:
        return "".join(self.output[-80:])

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then waits; SIGKILL if it does not end in ``timeout``."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._reader.join(5)
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return self.popen.returncode

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()


def app_exits_2_with_one_line(*args: str) -> str:
    """Runs ``python -m app *args``, asserts that it exits 2 with one line on stderr, and
    returns that line."""
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def gunicorn(port: int, env: dict[str, str]) -> Process:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` on 127.0.0.1:``port``."""
    return Process(
        [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"], {"MONITOR_PORT": str(port), **env}
    )


def agent(database_url: str, hostname: str, interval: float) -> Process:
    return Process(
        [
            sys.executable,
            "-m",
            "app",
            "agent",
            "--database-url",
            database_url,
            "--hostname",
            hostname,
            "--interval",
            str(interval),
        ],
        {},
    )


class _Client(simple_websocket.Client):
    """simple-websocket's client sends ``Host`` without the port; a browser sends it with the
    port, and the origin check compares against it, so do as a browser does."""

    def handshake(self) -> None:
        self.host = f"{self.host}:{self.port}"
        super().handshake()


class LiveClient:
    """A WebSocket client of /ws/metrics that records every sample it receives."""

    def __init__(self, port: int, query: str = "") -> None:
        origin = f"http://127.0.0.1:{port}"
        self.ws = _Client.connect(
            f"ws://127.0.0.1:{port}/ws/metrics{query}", headers={"Origin": origin}
        )
        self.samples: list[dict[str, Any]] = []
        self.closed = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                frame = self.ws.receive()
                if frame is None:
                    break
                self._received(frame)
        except simple_websocket.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def _received(self, frame: str) -> None:
        """Keeps one frame (called in the reader thread, as it arrives)."""
        self.samples.append(json.loads(frame))

    def timestamps(self, host: str | None = None) -> list[float]:
        return [s["ts"] for s in list(self.samples) if host is None or s["host"] == host]

    def close(self) -> None:
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            self.ws.close()
        self.closed.wait(5)
