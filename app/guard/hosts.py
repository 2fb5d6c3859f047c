"""The Host allow-list: a request naming a host this dashboard is not served as gets 403.

A browser tricked by DNS rebinding sends the attacker's host name; refusing it keeps such pages
from reading the dashboard. Behind a trusted proxy (``MONITOR_TRUST_PROXY``) the request names
its host twice, in ``Host`` and in ``X-Forwarded-Host`` (which the documented nginx block sets
to the same ``$host``, replacing whatever the client sent): every name it carries must be
allowed, so a header a page adds to a rebound request cannot vouch for a foreign ``Host``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request

from app.config import Config
from app.guard.exposure import LOOPBACK_NAMES
from app.http_errors import json_error

log = logging.getLogger(__name__)

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


def claimed_hosts(trust_proxy: bool) -> list[str]:
    """Every host the current request names: ``Host`` and, behind a trusted proxy, each value of
    ``X-Forwarded-Host`` (what ProxyFix made ``request.host`` of) and the original ``Host``."""
    claimed = [request.host]
    if trust_proxy:
        original = request.environ.get("werkzeug.proxy_fix.orig", {}).get("HTTP_HOST")
        if original is not None:
            claimed.append(original)
        for value in request.headers.getlist("X-Forwarded-Host"):
            claimed += value.split(",")
    return claimed


def attach_host_check(server: Flask, _monitor: object, config: Config) -> None:
    """Refuses (403) every request naming a host that is not allowed, before anything else."""
    names = allowed_host_names(config)
    if names is None:
        return

    @server.before_request
    def _check_host() -> Response | None:
        foreign = [h for h in claimed_hosts(config.trust_proxy) if host_name(h) not in names]
        if not foreign:
            return None
        log.warning("refused request for Host %r (not in allowed hosts)", foreign[0][:200])
        return json_error(
            403, "host not allowed: add it to MONITOR_ALLOWED_HOSTS", host=foreign[0][:200]
        )
