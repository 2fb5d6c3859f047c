"""The Host allow-list: a request naming a host this dashboard is not served as gets 400.

A browser tricked by DNS rebinding sends the attacker's host name; refusing it keeps such pages
from reading the dashboard.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request

from app.config import Config
from app.http_errors import json_error

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
