"""The origin rule of the live WebSocket: which pages may open it.

A browser sends the page's origin with the upgrade; flask-sock accepts any, so the route asks
``origin_allowed`` before upgrading. Allowed: the dashboard's own origin, origins an operator
listed (``MONITOR_ALLOWED_ORIGINS``), and no Origin at all only when configured (non-browser
clients).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


# -- the origin rule -----------------------------------------------------------------------


def normalize_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case with the scheme's default port left out.

    None for anything that is not such an origin (``null``, a bare host, a path).
    """
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host or parts.path not in ("", "/") or parts.query:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(
    origin: str | None, own_origin: str, allowed: tuple[str, ...], allow_no_origin: bool
) -> bool:
    """True when a browser on ``origin`` may open the socket.

    Allowed: the dashboard's own origin, any origin listed in ``allowed`` (compared normalized),
    and a request without an Origin header only when ``allow_no_origin`` (non-browser clients).
    """
    if origin is None:
        return allow_no_origin
    candidate = normalize_origin(origin)
    if candidate is None:
        return False
    accepted = {normalize_origin(own_origin)} | {normalize_origin(o) for o in allowed}
    return candidate in accepted


# -- wiring --------------------------------------------------------------------------------


def own_origin() -> str:
    """The origin a page of this dashboard has: scheme://Host of the current request."""
    return f"{request.scheme}://{request.host}"
