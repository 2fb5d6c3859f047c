"""Whether a bind address exposes the dashboard beyond this machine without authentication.

Kept free of the web stack, so gunicorn's master can check it without importing the app.
"""

from __future__ import annotations

import ipaddress

from app.config import Config


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_problem(config: Config) -> str | None:
    """Why serving with ``config`` would expose the dashboard unprotected, or None.

    Listening beyond loopback needs authentication, or an explicit ``--insecure-no-auth``.
    """
    if is_loopback(config.host) or config.insecure_no_auth:
        return None
    if config.auth_token or config.users_file:
        return None
    return (
        f"refusing to listen on {config.host} without authentication: set MONITOR_AUTH_TOKEN "
        "or MONITOR_USERS_FILE, or pass --insecure-no-auth (see docs/security.md)"
    )
