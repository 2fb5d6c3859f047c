"""Authentication, when configured: a shared token and/or users with hashed passwords.

Browsers log in on ``/login`` and get a session cookie (HttpOnly, SameSite=Lax, Secure over
HTTPS); scripts send ``Authorization: Bearer <token>``. Every route but ``/login`` and
``/healthz`` needs one of the two: pages, the REST API, the CSV export, ``/metrics`` and the
WebSocket handshake. Secrets are compared in constant time, and repeated failures from one
address are slowed down (HTTP 429 with ``Retry-After``, doubling per further failure).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import check_password_hash

from app.config import Config, ConfigError
from app.http_errors import json_error

log = logging.getLogger(__name__)

OPEN_PATHS = ("/login", "/healthz")
MACHINE_PREFIXES = ("/api/", "/metrics", "/readyz", "/ws/", "/_dash-")
SESSION_USER = "user"
SESSION_SECONDS = 12 * 3600


def load_users(path: str) -> dict[str, str]:
    """``name:hash`` lines (``python -m app hash-password``); blank lines and ``#`` ignored."""
    users: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"MONITOR_USERS_FILE {path!r} cannot be read: {exc.strerror}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not name or "$" not in hashed:
            raise ConfigError(f"MONITOR_USERS_FILE line {number}: expected name:password-hash")
        users[name] = hashed
    return users


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


@dataclass
class FailureThrottle:
    """Counts failed logins per client; after ``free`` failures each retry must wait, doubling
    up to ``ceiling`` seconds. A success or ``window`` seconds without failures clears it."""

    free: int = 5
    ceiling: float = 300.0
    window: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str) -> float:
        """Seconds ``client`` must still wait before its next attempt (0 when it may try)."""
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
        now = self.clock()
        if count < self.free or now - last > self.window:
            return 0.0
        wait = min(self.ceiling, 2.0 ** (count - self.free))
        return max(0.0, last + wait - now)

    def failed(self, client: str) -> None:
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
            if self.clock() - last > self.window:
                count = 0
            self._failures[client] = (count + 1, self.clock())
            if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


class AuthPolicy:
    """Which credentials are accepted; ``enabled`` is False when none is configured."""

    def __init__(self, token: str = "", users: dict[str, str] | None = None) -> None:
        self._token_digest = _digest(token) if token else None
        self.users = users or {}

    @classmethod
    def from_config(cls, config: Config) -> AuthPolicy:
        users = load_users(config.users_file) if config.users_file else {}
        return cls(config.auth_token, users)

    @property
    def enabled(self) -> bool:
        return self._token_digest is not None or bool(self.users)

    def token_ok(self, token: str) -> bool:
        """Constant-time comparison (of digests, so the length does not leak either)."""
        if self._token_digest is None or not token:
            return False
        return hmac.compare_digest(_digest(token), self._token_digest)

    def password_ok(self, user: str, password: str) -> bool:
        hashed = self.users.get(user)
        if hashed is None:
            check_password_hash(DUMMY_HASH, password)  # same work whether or not the user exists
            return False
        return check_password_hash(hashed, password)


DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128


class _SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def session_secret(config: Config, policy: AuthPolicy) -> str:
    """MONITOR_SECRET_KEY, or a key derived from the credentials: the same in every worker and
    after restarts, and changing the token or the users invalidates every session."""
    if config.secret_key:
        return config.secret_key
    material = (
        config.auth_token + "\n" + "\n".join(f"{u}:{h}" for u, h in sorted(policy.users.items()))
    )
    return hmac.new(b"monitor-session-key", material.encode(), hashlib.sha256).hexdigest()


def safe_next(target: str | None) -> str:
    """A same-site path to return to after login (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def site_root() -> str:
    """The path prefix this app is served under (``X-Forwarded-Prefix`` behind a trusted proxy),
    or "" when it is not a plain path: a redirect never leaves the site."""
    root = request.script_root
    if root and (not root.startswith("/") or root.startswith("//") or "\\" in root):
        return ""
    return root


def attach_auth(server: Flask, _monitor: object, config: Config) -> None:
    """Requires a session or a bearer token on every route but ``OPEN_PATHS``, when enabled."""
    policy = AuthPolicy.from_config(config)
    server.extensions["auth"] = policy
    if not policy.enabled:
        return
    throttle = FailureThrottle()
    server.secret_key = session_secret(config, policy)
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="monitor_session",
        PERMANENT_SESSION_LIFETIME=SESSION_SECONDS,
    )

    def bearer() -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        return credentials.strip() if scheme.lower() == "bearer" else ""

    @server.before_request
    def _require_login() -> Response | None:
        if request.path in OPEN_PATHS:
            return None
        if session.get(SESSION_USER):
            return None
        token = bearer()
        if token:
            client = request.remote_addr or "?"
            wait = throttle.retry_after(client)
            if wait:
                return _too_many(wait)
            if policy.token_ok(token):
                throttle.succeeded(client)
                return None
            throttle.failed(client)
            return _unauthorized("invalid bearer token")
        if request.path.startswith(MACHINE_PREFIXES) or request.method != "GET":
            return _unauthorized("authentication required")
        target = quote(request.full_path.rstrip("?"))
        return redirect(f"{site_root()}/login?next={target}")

    @server.get("/login")
    def login_form() -> Response:
        return _login_page(policy, safe_next(request.args.get("next")), error=None)

    @server.post("/login")
    def login() -> Response:
        client = request.remote_addr or "?"
        target = safe_next(request.form.get("next"))
        wait = throttle.retry_after(client)
        if wait:
            return _too_many(wait)
        user = request.form.get("username", "")
        secret = request.form.get("password", "")
        ok = policy.password_ok(user, secret) if user else policy.token_ok(secret)
        if not ok:
            throttle.failed(client)
            log.warning("failed login from %s", client)
            page = _login_page(policy, target, error="Wrong name, password or token.")
            page.status_code = 401
            return page
        throttle.succeeded(client)
        session.clear()
        session.permanent = True
        session[SESSION_USER] = user or "token"
        return redirect(site_root() + target)

    @server.post("/logout")
    def logout() -> Response:
        session.clear()
        return redirect(f"{site_root()}/login")


def _unauthorized(message: str) -> Response:
    response = json_error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="monitor"'
    return response


def _too_many(wait: float) -> Response:
    response = json_error(429, f"too many failed attempts: retry in {wait:.0f} s")
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response


def _login_page(policy: AuthPolicy, target: str, error: str | None) -> Response:
    """A small self-contained login form (no scripts: it works under the strict CSP)."""
    user_field = (
        '<label>Name <input name="username" autocomplete="username"></label>'
        if policy.users
        else ""
    )
    secret_label = "Password or token" if policy.users else "Access token"
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · System monitor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root {{ color-scheme: light dark; font-family: system-ui, sans-serif; }}
body {{ display: grid; place-items: center; min-height: 100vh; margin: 0; }}
form {{ display: grid; gap: 12px; width: min(320px, 90vw); }}
input, button {{ font: inherit; padding: 8px; width: 100%; box-sizing: border-box; }}
.error {{ color: #c0392b; }}
</style></head>
<body><form method="post" action="login">
<h1>System monitor</h1>{message}
{user_field}
<label>{secret_label} <input name="password" type="password"
 autocomplete="current-password" required autofocus></label>
<input type="hidden" name="next" value="{html.escape(target)}">
<button type="submit">Sign in</button>
</form></body></html>"""
    return Response(body, mimetype="text/html")
