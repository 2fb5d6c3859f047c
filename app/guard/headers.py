"""Security headers on every response: a strict Content-Security-Policy and framing rules."""

from __future__ import annotations

from dash import Dash
from flask import Response


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


def attach_security_headers(dash_app: Dash) -> None:
    """Adds CSP, frame, sniffing and referrer headers to every response of ``dash_app``'s server."""
    policy = content_security_policy(dash_app)

    @dash_app.server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
