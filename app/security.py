"""Browser-facing defences: the Host allow-list (DNS rebinding) and security headers.

A page in any browser tab can resolve an attacker's name to 127.0.0.1 (DNS rebinding) and then
read this loopback server as if it were its own origin; the only thing that differs is the
``Host`` header, so requests whose Host is not one of ours are refused with 403. Every response
carries a Content-Security-Policy that the Dash page works under (its inline scripts are allowed
by hash, nothing else inline runs), and no page may be framed by another site.
"""

from __future__ import annotations

import logging

from dash import Dash
from flask import Flask, Response, request

from app.api import json_error
from app.config import Config

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")


def allowed_host_names(config: Config) -> set[str] | None:
    """Host names (no port) requests may carry; None when any is allowed (``*``)."""
    if "*" in config.allowed_hosts:
        return None
    names = {*LOOPBACK_NAMES, *(h.lower() for h in config.allowed_hosts)}
    if config.host not in WILDCARD_BINDS:
        names.add(config.host.lower().strip("[]"))
    return names


def host_name(host_header: str) -> str:
    """``Host`` header without its port: ``[::1]:8050`` -> ``::1``, ``a.b:80`` -> ``a.b``."""
    header = host_header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def content_security_policy(dash_app: Dash) -> str:
    """A CSP under which the Dash page, Plotly and the WebSocket work, and nothing foreign."""
    hashes = " ".join(dash_app.csp_hashes())
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}",
            "style-src 'self' 'unsafe-inline'",  # Dash and Plotly set style attributes
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",  # includes ws:/wss: to this same host in current browsers
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def attach_host_check(server: Flask, _monitor: object, config: Config) -> None:
    """Refuses (403) every request whose Host is not an allowed name, before anything else."""
    names = allowed_host_names(config)
    if names is None:
        return

    @server.before_request
    def _check_host() -> Response | None:
        host = host_name(request.host)
        if host in names:
            return None
        log.warning("refused request for Host %r (not in allowed hosts)", request.host)
        return json_error(
            403, "host not allowed: add it to MONITOR_ALLOWED_HOSTS", host=request.host
        )


def attach_security_headers(server: Flask, dash_app: Dash) -> None:
    """Adds CSP, frame, sniffing and referrer headers to every response."""
    policy = content_security_policy(dash_app)

    @server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
