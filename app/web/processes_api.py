"""``GET /api/v1/processes``: search every process of this host, not only the top rows.

Answered from the last whole scan (``Monitor.process_table``), never by scanning per request.
Parameters: ``q`` (text in the name, user or command line, or a pid; empty: every process),
``host`` (this server's host; another one's full list is only on the server that samples it:
409), ``limit`` (1 to 500, default 100), ``sort`` (``cpu`` by default; pid, name, user, rss,
mem, threads, status) and ``order`` (``desc`` by default for numbers, ``asc`` for text). A bad
parameter answers 400 naming it. Authenticated like the rest of ``/api/`` (``app.guard.auth``).
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from app.config import Config
from app.http_errors import json_error
from app.runtime.monitor import Monitor
from collectors.process_table import NUMERIC_KEYS, SORT_KEYS
from storage.params import BadParameter, parse_int

processes_api = Blueprint("processes_api", __name__)

LIMIT_DEFAULT, LIMIT_MAX = 100, 500
QUERY_MAX = 200  # characters of q


def register_processes_api(server: Flask, _monitor: Monitor, _config: Config) -> None:
    server.register_blueprint(processes_api)


@processes_api.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter) -> Response:
    return json_error(400, exc.message, parameter=exc.parameter)


def _sort() -> tuple[str, bool]:
    """``sort`` and ``order`` as (key, descending)."""
    key = request.args.get("sort") or "cpu"
    if key not in SORT_KEYS:
        raise BadParameter("sort", f"sort must be one of {', '.join(SORT_KEYS)}")
    order = request.args.get("order") or ("desc" if key in NUMERIC_KEYS else "asc")
    if order not in ("asc", "desc"):
        raise BadParameter("order", "order must be asc or desc")
    return key, order == "desc"


def _query() -> str:
    query = request.args.get("q", "")
    if len(query) > QUERY_MAX:
        raise BadParameter("q", f"q must be at most {QUERY_MAX} characters")
    if any(ord(c) < 32 for c in query):
        raise BadParameter("q", "q must not hold control characters")
    return query


def _elsewhere(monitor: Monitor, host: str) -> Response:
    """404 for a host nobody knows; 409 for another host: its full list is on its server."""
    known = set(monitor.hub.hosts())
    with contextlib.suppress(Exception):  # the database is down: the live hosts still tell
        known.update(monitor.store.host_names())
    if host not in known:
        return json_error(404, f"unknown host {host!r}", parameter="host")
    return json_error(
        409,
        f"the full process list of {host!r} is only on the server that samples it; this"
        " server has its top processes (/api/v1/latest?host=...)",
        parameter="host",
        host=host,
    )


@processes_api.get("/api/v1/processes")
def processes() -> Response:
    """The processes of the last scan that match ``q``, with how many there are in all."""
    monitor: Monitor = current_app.extensions["monitor"]
    host = request.args.get("host") or monitor.config.hostname
    query, (sort, descending) = _query(), _sort()
    limit = parse_int("limit", request.args.get("limit"), LIMIT_DEFAULT, 1, LIMIT_MAX)
    if host != monitor.config.hostname:
        return _elsewhere(monitor, host)
    table = monitor.process_table()
    if table is None and monitor.sampler is not None:
        # not a passing state (503) but how this server is set up
        return json_error(404, "this server does not collect processes (no processes collector)")
    if table is None or not table.scanned:
        return json_error(503, "no process scan yet: the sampler is starting")
    found = table.search(query, limit=limit, sort=sort, descending=descending)
    order = "desc" if descending else "asc"
    body = {"host": host, "q": query, "sort": sort, "order": order, "limit": limit, **found}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
