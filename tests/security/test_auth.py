"""Authentication over real sockets: pages, API, WebSocket handshake, login, throttling."""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from app.guard.auth import FailureThrottle, safe_next
from tests.security.conftest import Serve, request, websocket_handshake

TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.fixture
def users_file(tmp_path: Path) -> str:
    path = tmp_path / "users"
    path.write_text(f"# users\nalice:{generate_password_hash('correct horse')}\n")
    return str(path)


def form(**fields: str) -> str:
    from urllib.parse import urlencode

    return urlencode(fields)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def login(server, username: str, password: str, extra: dict[str, str] | None = None):
    return request(
        server,
        "POST",
        "/login",
        {**FORM, **(extra or {})},
        form(username=username, password=password, next="/history"),
    )


def session_cookie(response) -> str:
    cookie = SimpleCookie(response.getheader("Set-Cookie"))
    return f"monitor_session={cookie['monitor_session'].value}"


def test_everything_but_login_and_healthz_needs_credentials(serve: Serve) -> None:
    server = serve(auth_token=TOKEN)
    for path in (
        "/api/v1/latest",
        "/api/v1/hosts",
        "/metrics",
        "/readyz",
        "/_dash-layout",
        "/api/v1/export.csv?from=-1h&metrics=cpu.total",
    ):
        response = request(server, "GET", path)
        assert response.status == 401, path
        assert response.getheader("WWW-Authenticate") == 'Bearer realm="monitor"'
    page = request(server, "GET", "/history?x=1")
    assert page.status == 302 and page.getheader("Location") == "/login?next=/history%3Fx%3D1"
    assert request(server, "GET", "/healthz").status == 200
    assert request(server, "GET", "/login").status == 200
    assert websocket_handshake(server, {"Origin": server.origin}) == 401


def test_bearer_token(serve: Serve) -> None:
    server = serve(auth_token=TOKEN)
    ok = {"Authorization": f"Bearer {TOKEN}"}
    assert request(server, "GET", "/api/v1/hosts", ok).status == 200
    assert request(server, "GET", "/api/v1/hosts", {"Authorization": "Bearer nope"}).status == 401
    assert (
        request(server, "GET", "/api/v1/hosts", {"Authorization": f"Basic {TOKEN}"}).status == 401
    )
    assert websocket_handshake(server, {"Origin": server.origin, **ok}) == 101


def test_browser_login_sets_a_safe_cookie_that_opens_everything(
    serve: Serve, users_file: str
) -> None:
    server = serve(users_file=users_file)
    assert login(server, "alice", "wrong").status == 401
    response = login(server, "alice", "correct horse")
    assert response.status == 302 and response.getheader("Location") == "/history"
    raw = response.getheader("Set-Cookie")
    assert "HttpOnly" in raw and "SameSite=Lax" in raw and "Secure" not in raw
    cookie = {"Cookie": session_cookie(response)}
    assert request(server, "GET", "/api/v1/hosts", cookie).status == 200
    assert websocket_handshake(server, {"Origin": server.origin, **cookie}) == 101
    logout = request(server, "POST", "/logout", cookie)
    assert logout.status == 302
    cleared = (
        {"Cookie": session_cookie(logout)}
        if "monitor_session=" in (logout.getheader("Set-Cookie") or "")
        else {}
    )
    assert request(server, "GET", "/api/v1/hosts", cleared).status == 401


def test_cookie_is_secure_over_https_behind_a_trusted_proxy(serve: Serve, users_file: str) -> None:
    server = serve(users_file=users_file, trust_proxy=True)
    response = login(server, "alice", "correct horse", {"X-Forwarded-Proto": "https"})
    assert response.status == 302 and "Secure" in response.getheader("Set-Cookie")


def test_token_works_on_the_login_form_too(serve: Serve) -> None:
    server = serve(auth_token=TOKEN)
    assert request(server, "POST", "/login", FORM, form(password=TOKEN)).status == 302


def test_repeated_failures_are_slowed_down(serve: Serve) -> None:
    server = serve(auth_token=TOKEN)
    statuses = [
        request(server, "POST", "/login", FORM, form(password="bad")).status for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    blocked = request(server, "POST", "/login", FORM, form(password=TOKEN))
    assert blocked.status == 429 and int(blocked.getheader("Retry-After")) >= 1
    bearer = request(server, "GET", "/api/v1/hosts", {"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status == 429  # the same address is slowed on every channel


def test_throttle_doubles_and_forgets_with_time() -> None:
    now = [0.0]
    throttle = FailureThrottle(free=2, ceiling=8, window=100, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("a")
    assert throttle.retry_after("a") == 1.0 and throttle.retry_after("b") == 0.0
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.retry_after("a") == 4.0
    now[0] = 50.0
    assert throttle.retry_after("a") == 0.0
    now[0] = 200.0
    throttle.failed("a")
    assert throttle.retry_after("a") == 0.0  # the window passed: counting starts again
    throttle.succeeded("a")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/history", "/history"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
        ("history", "/"),
    ],
)
def test_login_never_redirects_elsewhere(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_a_bad_users_file_is_a_clear_error(tmp_path: Path) -> None:
    from app.config import ConfigError
    from app.guard.auth import load_users

    bad = tmp_path / "users"
    bad.write_text("alice-without-hash\n")
    with pytest.raises(ConfigError, match="line 1: expected name:password-hash"):
        load_users(str(bad))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_users(str(tmp_path / "missing"))
