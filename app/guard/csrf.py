"""Cross-site request forgery: state-changing requests must come from the dashboard's own pages.

Two checks. Every request with an unsafe method (POST, PUT, PATCH, DELETE) whose ``Origin`` is
another site's (not this dashboard's own origin nor one in ``MONITOR_ALLOWED_ORIGINS``) gets
403. ``Origin: null`` says nothing by itself (a browser sends it for our own sign-in form, since
every page has ``Referrer-Policy: no-referrer``), so then, as when ``Origin`` is absent, the
browser's ``Sec-Fetch-Site`` decides: ``cross-site`` or ``same-site`` is refused. A request with
neither header is a script's, not a browser's. The sign-in and sign-out forms also carry a
random token that must match the one in the requester's session cookie, so a form posted from
elsewhere fails even in a browser that sends neither header.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, request, session

from app.config import Config
from app.guard.origin import origin_allowed, own_origin
from app.http_errors import json_error

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
TOKEN_KEY = "csrf"
TOKEN_FIELD = "csrf"


def cross_site(allowed_origins: tuple[str, ...]) -> bool:
    """True when the current request comes from another site's page."""
    origin = request.headers.get("Origin", "").strip()
    if origin and origin.lower() != "null":
        return not origin_allowed(origin, own_origin(), allowed_origins, False)
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    return fetch_site in ("cross-site", "same-site")


def attach_origin_check(server: Flask, config: Config) -> None:
    """403 for every cross-site request with an unsafe method, before anything else sees it."""

    @server.before_request
    def _refuse_cross_site() -> Response | None:
        if request.method in SAFE_METHODS or not cross_site(config.allowed_origins):
            return None
        return json_error(403, "cross-site request refused (Origin is not this dashboard)")


def form_token() -> str:
    """The session's form token, made on first use (the session cookie then carries it)."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[TOKEN_KEY] = token
    return token


def form_token_ok() -> bool:
    """Whether the posted form carries the session's token (compared in constant time)."""
    expected = session.get(TOKEN_KEY)
    sent = request.form.get(TOKEN_FIELD, "")
    if not isinstance(expected, str) or not expected or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace"))
