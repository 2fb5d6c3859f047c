"""A real server (loopback socket) per test, configured as the test asks."""

from __future__ import annotations

import base64
import http.client
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from werkzeug.security import generate_password_hash

from tests.live.server import LiveServer, live_config
from tests.support.servers import ROOT

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


# -- signing in ---------------------------------------------------------------------------------

TOKEN = "s3cret-token-for-tests-0123456789"
PASSWORD = "correct horse"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def users_file(tmp_path: Path) -> str:
    """A private users file (0600) with alice, password ``PASSWORD``."""
    path = tmp_path / "users"
    path.write_text(f"# users\nalice:{generate_password_hash(PASSWORD)}\n")
    path.chmod(0o600)
    return str(path)


def session_cookie(response: http.client.HTTPResponse) -> str:
    """``monitor_session=...`` from a response's Set-Cookie ("" when it sets none)."""
    for raw in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie(raw)
        if "monitor_session" in jar:
            return f"monitor_session={jar['monitor_session'].value}"
    return ""


def login_form(server: LiveServer, cookie: str = "") -> tuple[str, str]:
    """GET /login: (the session cookie that holds the form token, the form token)."""
    headers = {"Cookie": cookie} if cookie else {}
    page = request(server, "GET", "/login", headers)
    assert page.status == 200
    token = re.search(rb'name="csrf" value="([^"]+)"', page.body)  # type: ignore[attr-defined]
    assert token is not None
    return session_cookie(page) or cookie, token[1].decode()


def login(
    server: LiveServer,
    username: str,
    password: str,
    extra: dict[str, str] | None = None,
    target: str = "/history",
) -> http.client.HTTPResponse:
    """Signs in through the form, as a browser does (form token and its cookie)."""
    cookie, token = login_form(server)
    body = urlencode({"username": username, "password": password, "next": target, "csrf": token})
    return request(server, "POST", "/login", {**FORM, "Cookie": cookie, **(extra or {})}, body)


def exits_2_with_one_line(command: list[str], env: dict[str, str]) -> str:
    """Runs ``command`` (from the project root, with exactly ``env``); asserts exit code 2 and
    one line on stderr; returns that line."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1, lines
    return lines[0]
