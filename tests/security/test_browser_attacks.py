"""DNS rebinding (Host allow-list) and security headers, over real sockets (the exposure
refusal: test_exposure.py)."""

from __future__ import annotations

import pytest

from app.guard.hosts import host_name
from tests.security.conftest import Serve, request, websocket_handshake


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8050",
        "192.168.1.5",
        "127.0.0.1.evil.example",
        "localhost.evil.example",
    ],
)
def test_foreign_host_headers_are_refused(serve: Serve, host: str) -> None:
    server = serve()
    response = request(server, "GET", "/api/v1/latest", {"Host": host})
    assert response.status == 403
    assert b"host not allowed" in response.body
    assert request(server, "GET", "/", {"Host": host}).status == 403
    assert websocket_handshake(server, {"Host": host, "Origin": f"http://{host}"}) == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:{port}", "[::1]:{port}"])
def test_own_host_names_are_served(serve: Serve, host: str) -> None:
    server = serve()
    assert request(server, "GET", "/healthz", {"Host": host.format(port=server.port)}).status == 200


def test_extra_allowed_hosts(serve: Serve) -> None:
    server = serve(allowed_hosts=("monitor.example.org",))
    assert request(server, "GET", "/healthz", {"Host": "monitor.example.org"}).status == 200
    assert request(server, "GET", "/healthz", {"Host": "other.example.org"}).status == 403


def test_security_headers_on_every_response(serve: Serve) -> None:
    server = serve()
    for path in ("/", "/api/v1/latest", "/healthz", "/_dash-layout"):
        response = request(server, "GET", path)
        csp = response.getheader("Content-Security-Policy")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "script-src 'self' 'sha256-" in csp and "unsafe-eval" not in csp
        assert response.getheader("X-Frame-Options") == "DENY"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("Referrer-Policy") == "no-referrer"


def test_host_name_parsing() -> None:
    assert host_name("[::1]:8050") == "::1"
    assert host_name("LocalHost:80") == "localhost"
    assert host_name("::1") == "::1"
