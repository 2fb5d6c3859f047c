"""A real server (loopback socket) per test, configured as the test asks."""

from __future__ import annotations

import base64
import http.client
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live.server import LiveServer, live_config

Serve = Callable[..., LiveServer]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    servers: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        server = LiveServer(live_config(tmp_path, **overrides)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def request(
    server: LiveServer,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> http.client.HTTPResponse:
    """One raw HTTP request over a real socket; ``headers`` may override Host."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = dict(headers or {})
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if "Host" not in headers:
        connection.putheader("Host", f"127.0.0.1:{server.port}")
    for name, value in headers.items():
        connection.putheader(name, value)
    data = body.encode() if body is not None else None
    if data is not None:
        connection.putheader("Content-Length", str(len(data)))
    connection.endheaders(data)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def websocket_handshake(server: LiveServer, headers: dict[str, str]) -> int:
    """The status of a WebSocket upgrade of /ws/metrics with ``headers`` (101 = accepted)."""
    key = base64.b64encode(os.urandom(16)).decode()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", "/ws/metrics", skip_host=True, skip_accept_encoding=True)
    for name, value in {
        "Host": f"127.0.0.1:{server.port}",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
        **headers,
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    status = response.status
    connection.close()
    return status
