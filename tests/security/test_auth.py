"""Authentication over real sockets: pages, API, WebSocket handshake, login, throttling."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from app.config import ConfigError
from app.guard.auth import FailureThrottle, load_users
from tests.security.conftest import (
    FORM,
    PASSWORD,
    TOKEN,
    Serve,
    login,
    login_form,
    request,
    session_cookie,
    websocket_handshake,
)


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
    live_page = request(server, "GET", "/?host=a")  # served without Dash, guarded the same
    assert live_page.status == 302 and live_page.getheader("Location") == "/login?next=/%3Fhost%3Da"
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
    response = login(server, "alice", PASSWORD)
    assert response.status == 302 and response.getheader("Location") == "/history"
    raw = response.getheader("Set-Cookie")
    assert "HttpOnly" in raw and "SameSite=Lax" in raw and "Secure" not in raw
    cookie = {"Cookie": session_cookie(response)}
    assert request(server, "GET", "/api/v1/hosts", cookie).status == 200
    assert websocket_handshake(server, {"Origin": server.origin, **cookie}) == 101


def test_cookie_is_secure_over_https_behind_a_trusted_proxy(serve: Serve, users_file: str) -> None:
    server = serve(users_file=users_file, trust_proxy=True)
    response = login(server, "alice", PASSWORD, {"X-Forwarded-Proto": "https"})
    assert response.status == 302 and "Secure" in response.getheader("Set-Cookie")


def test_token_works_on_the_login_form_too(serve: Serve) -> None:
    server = serve(auth_token=TOKEN)
    response = login(server, "", TOKEN)
    assert response.status == 302
    opened = request(server, "GET", "/api/v1/hosts", {"Cookie": session_cookie(response)})
    assert opened.status == 200


def test_repeated_failures_are_slowed_down(serve: Serve) -> None:
    server = serve(auth_token=TOKEN)
    statuses = [login(server, "", "bad").status for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    blocked = login(server, "", TOKEN)
    assert blocked.status == 429 and int(blocked.getheader("Retry-After")) >= 1
    bearer = request(server, "GET", "/api/v1/hosts", {"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status == 429  # the same address is slowed on every channel


def allowance(free: int, seconds: float) -> int:
    """The most checks the throttle lets through in ``seconds``: ``free``, then one after 1 s,
    one 2 s later, 4 s later, ..."""
    return free + math.floor(math.log2(seconds + 1))


@pytest.mark.parametrize("channel", ["form", "bearer"])
def test_forty_concurrent_guesses_get_at_most_the_allowance_of_checks(
    serve: Serve, users_file: str, channel: str
) -> None:
    """Each attempt is counted before it is checked: of 40 wrong passwords sent at once, only
    the throttle's free ones are checked (401), the others are told to wait (429)."""
    server = serve(users_file=users_file, auth_token=TOKEN)
    cookie, token = login_form(server)
    body = urlencode({"username": "alice", "password": "wrong", "csrf": token})
    barrier = threading.Barrier(40)
    statuses: list[int] = []

    def guess() -> None:
        barrier.wait()
        if channel == "form":
            answer = request(server, "POST", "/login", {**FORM, "Cookie": cookie}, body)
        else:
            answer = request(server, "GET", "/api/v1/hosts", {"Authorization": "Bearer wrong"})
        statuses.append(answer.status)

    started = time.monotonic()
    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    checked = statuses.count(401)
    assert len(statuses) == 40 and set(statuses) <= {401, 429}, statuses
    assert 1 <= checked <= allowance(FailureThrottle.free, elapsed), (checked, elapsed)


def test_concurrent_attempts_are_counted_before_they_are_checked() -> None:
    now = [0.0]
    throttle = FailureThrottle(free=5, clock=lambda: now[0])
    barrier = threading.Barrier(40)
    waits: list[float] = []

    def attempt() -> None:
        barrier.wait()
        waits.append(throttle.attempt("a"))

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert waits.count(0.0) == 5 and all(w == 1.0 for w in waits if w)
    throttle.succeeded("a")
    assert throttle.attempt("a") == 0.0


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


def test_a_bad_users_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "users"
    bad.write_text("alice-without-hash\n")
    bad.chmod(0o600)
    with pytest.raises(ConfigError, match="line 1: expected name:password-hash"):
        load_users(str(bad))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_users(str(tmp_path / "missing"))
