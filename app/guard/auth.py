"""Authentication, when configured: a shared token and/or users with hashed passwords.

Browsers sign in on ``/login`` and get a session cookie (HttpOnly, SameSite=Lax, Secure over
HTTPS) that names a server-side session (``app.guard.sessions``): signing out, removing the
user or changing the credential ends it at once. Scripts send ``Authorization: Bearer <token>``.
Every route but ``/login`` and ``/healthz`` needs one of the two: pages, the REST API, the CSV
export, ``/metrics`` and the WebSocket handshake. Secrets are compared in constant time; every
attempt is counted before it is checked and repeated ones from one address are slowed down
(HTTP 429 with ``Retry-After``). The sign-in and sign-out forms carry a CSRF token, and
cross-site POSTs are refused (``app.guard.csrf``). Without authentication, only connections to
a loopback address are served (unless the network is declared trusted).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import quote

from flask import Flask, Response, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import check_password_hash

from app.config import Config
from app.guard.credentials import UsersFile, data_folder, installation_key, load_users
from app.guard.csrf import attach_origin_check, form_token, form_token_ok
from app.guard.exposure import is_loopback, network_trusted
from app.guard.login_page import login_page, logout_page
from app.guard.redirects import safe_next, safe_root
from app.guard.sessions import SessionStore
from app.guard.throttle import FailureThrottle
from app.http_errors import json_error

__all__ = ["AuthPolicy", "FailureThrottle", "attach_auth", "load_users", "safe_next"]

log = logging.getLogger(__name__)

OPEN_PATHS = ("/login", "/healthz")
MACHINE_PREFIXES = ("/api/", "/metrics", "/readyz", "/ws/", "/_dash-")
SESSION_ID = "sid"
SESSION_SECONDS = 12 * 3600
TOKEN_USER = ":token"  # the session user of a token sign-in (no users-file name has a ':')
DUMMY_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class AuthPolicy:
    """Which credentials are accepted; ``enabled`` is False when none is configured."""

    def __init__(self, token: str = "", users: UsersFile | None = None, key: str = "") -> None:
        self._token_digest = _digest(token) if token else None
        self._users = users
        self._key = key.encode()

    @classmethod
    def from_config(cls, config: Config) -> AuthPolicy:
        users = UsersFile(config.users_file) if config.users_file else None
        enabled = bool(config.auth_token or users)
        return cls(config.auth_token, users, installation_key(config) if enabled else "")

    @property
    def enabled(self) -> bool:
        return self._token_digest is not None or self._users is not None

    @property
    def has_users(self) -> bool:
        return self._users is not None

    def users(self) -> dict[str, str]:
        return self._users.users() if self._users is not None else {}

    def token_ok(self, token: str) -> bool:
        """Constant-time comparison (of digests, so the length does not leak either)."""
        if self._token_digest is None or not token:
            return False
        return hmac.compare_digest(_digest(token), self._token_digest)

    def password_ok(self, user: str, password: str) -> bool:
        hashed = self.users().get(user)
        if hashed is None:
            check_password_hash(DUMMY_HASH, password)  # same work whether or not the user exists
            return False
        return check_password_hash(hashed, password)

    def proof(self, user: str) -> str | None:
        """What a session of ``user`` rests on (a keyed digest of the current credential), or
        None when that credential is gone."""
        if user == TOKEN_USER:
            material = self._token_digest
        else:
            hashed = self.users().get(user)
            material = None if hashed is None else hashed.encode()
        if material is None:
            return None
        return hmac.new(self._key, user.encode() + b"\0" + material, hashlib.sha256).hexdigest()


class _SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def client_address() -> str:
    return request.remote_addr or "?"


def attach_auth(server: Flask, _monitor: object, config: Config) -> None:
    """Requires a session or a bearer token on every route but ``OPEN_PATHS``, when enabled;
    else serves loopback connections only."""
    attach_origin_check(server, config)
    policy = AuthPolicy.from_config(config)
    server.extensions["auth"] = policy
    if not policy.enabled:
        if not network_trusted(config):
            attach_loopback_only(server)
        return
    server.secret_key = installation_key(config)
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="monitor_session",
        PERMANENT_SESSION_LIFETIME=SESSION_SECONDS,
    )
    sessions = SessionStore(data_folder(config) / "sessions", SESSION_SECONDS)
    throttle = FailureThrottle()
    server.extensions["auth_throttle"] = throttle

    def signed_in() -> str | None:
        """The user of the request's live session, or None (an ended one is forgotten)."""
        session_id = session.get(SESSION_ID)
        if session_id is None:
            return None
        record = sessions.get(session_id)
        proof = policy.proof(record.user) if record else None
        if record is None or proof is None or not hmac.compare_digest(proof, record.proof):
            sessions.end(session_id)
            session.pop(SESSION_ID, None)
            return None
        g.monitor_user = record.user
        return record.user

    @server.before_request
    def _require_login() -> Response | None:
        if request.path in OPEN_PATHS or signed_in():
            return None
        token = bearer()
        if token:
            return _check_bearer(policy, throttle, token)
        if request.path.startswith(MACHINE_PREFIXES) or request.method != "GET":
            return _unauthorized("authentication required")
        target = quote(request.full_path.rstrip("?"))
        return redirect(f"{safe_root(request.script_root)}/login?next={target}")

    register_login_views(server, policy, sessions, throttle)


def _check_bearer(policy: AuthPolicy, throttle: FailureThrottle, token: str) -> Response | None:
    client = client_address()
    wait = throttle.attempt(client)
    if wait:
        return _too_many(wait)
    if policy.token_ok(token):
        throttle.succeeded(client)
        g.monitor_bearer = True  # a header no other site can make a browser send: no CSRF
        return None
    return _unauthorized("invalid bearer token")


def register_login_views(
    server: Flask, policy: AuthPolicy, sessions: SessionStore, throttle: FailureThrottle
) -> None:
    """``GET/POST /login`` and ``GET/POST /logout``."""

    def form(target: str, error: str | None = None, status: int = 200) -> Response:
        page = login_page(policy.has_users, target, form_token(), error)
        page.status_code = status
        page.headers["Cache-Control"] = "no-store"
        return page

    @server.get("/login")
    def login_form() -> Response:
        return form(safe_next(request.args.get("next")))

    @server.post("/login")
    def login() -> Response:
        client = client_address()
        target = safe_next(request.form.get("next"))
        wait = throttle.retry_after(client)
        if wait:
            return _too_many(wait)
        if not form_token_ok():
            return form(target, "The form had expired. Please sign in again.", status=403)
        wait = throttle.attempt(client)  # counted before it is checked
        if wait:
            return _too_many(wait)
        user = request.form.get("username", "")
        secret = request.form.get("password", "")
        ok = policy.password_ok(user, secret) if user else policy.token_ok(secret)
        proof = policy.proof(user or TOKEN_USER) if ok else None
        if proof is None:
            log.warning("failed login from %s", client)
            return form(target, "Wrong name, password or token.", status=401)
        throttle.succeeded(client)
        session.clear()
        session.permanent = True
        session[SESSION_ID] = sessions.create(user or TOKEN_USER, proof)
        form_token()  # a fresh CSRF token for the signed-in session
        return redirect(safe_root(request.script_root) + target)

    @server.get("/logout")
    def logout_form() -> Response:
        page = logout_page(str(g.get("monitor_user", "")).lstrip(":"), form_token())
        page.headers["Cache-Control"] = "no-store"
        return page

    @server.post("/logout")
    def logout() -> Response:
        if not g.get("monitor_bearer") and not form_token_ok():
            return json_error(403, "missing or wrong form token: sign out from the /logout page")
        sessions.end(session.get(SESSION_ID))
        session.clear()
        return redirect(f"{safe_root(request.script_root)}/login")


def attach_loopback_only(server: Flask) -> None:
    """Without authentication, a connection that reached this server on a non-loopback address
    gets 403, however the server was started (a gunicorn config without our start checks, an
    inherited socket): the exposure rule, applied to each connection's own local address."""

    @server.before_request
    def _loopback_only() -> Response | None:
        local = local_address(request.environ)
        if local is None or is_loopback(local):
            return None
        return json_error(
            403,
            "no authentication is configured, so only loopback connections are served: set "
            "MONITOR_AUTH_TOKEN or MONITOR_USERS_FILE (see docs/security.md)",
        )


def local_address(environ: dict) -> str | None:
    """The local IP address the request's connection arrived on (None when the server does not
    say, or for a Unix socket)."""
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    try:
        name = sock.getsockname() if sock is not None else None
    except OSError:
        return None
    return str(name[0]) if isinstance(name, tuple) else None


def _unauthorized(message: str) -> Response:
    response = json_error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="monitor"'
    return response


def _too_many(wait: float) -> Response:
    response = json_error(429, f"too many failed attempts: retry in {wait:.0f} s")
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response
