"""Honest answers for paths no route serves.

Dash serves its page for every GET path (its catch-all route ``/<path:path>``), so a client
with a typo in ``/api/v1/latets`` or a probe of ``/api/v2/...`` saw the dashboard's HTML and a
200. Here a path under a machine prefix (``/api/``, ``/ws/``, ``/assets/``, Dash's own
``/_dash-*`` and the health and metrics endpoints) that no route serves gets 404 with a JSON
message, whatever the method; a page path that is not one of the pages gets the page (which
says there is no such page) with status 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from dash import Dash
from flask import Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from app.http_errors import json_error

MACHINE_PREFIXES = ("api", "ws", "assets", "static", "metrics", "healthz", "readyz")
MACHINE_STARTS = ("_dash-", "_reload-hash", "_favicon")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def machine_path(path: str) -> bool:
    """Whether ``path`` (relative to the app's root) is for programs, not people."""
    first = path.lstrip("/").split("/", 1)[0]
    return first in MACHINE_PREFIXES or first.startswith(MACHINE_STARTS)


def attach_unknown_paths(dash_app: Dash, page_paths: Iterable[str]) -> None:
    """404 for what no route serves: JSON under machine prefixes, the page (404) elsewhere."""
    server = dash_app.server
    prefix = dash_app.config.routes_pathname_prefix
    catch_all = prefix + "<path:path>"
    pages = {path.strip("/") for path in page_paths}

    def for_programs() -> bool:
        path = request.path
        return machine_path(path[len(prefix) :] if path.startswith(prefix) else path)

    def by_catch_all() -> bool:
        rule = request.url_rule
        return rule is not None and rule.rule == catch_all

    def real_methods() -> list[str]:
        """The methods of the routes other than Dash's page that serve this path."""
        adapter = server.url_map.bind_to_environ(request.environ)
        methods = []
        for method in METHODS:
            try:
                rule, _ = adapter.match(method=method, return_rule=True)
            except HTTPException:
                continue
            if rule.rule != catch_all:
                methods.append(method)
        return methods

    def refusal() -> Response:
        methods = real_methods()
        if methods:
            return json_error(405, "method not allowed", path=request.path, allowed=methods)
        return json_error(404, "no such endpoint", path=request.path)

    @server.before_request
    def _no_page_for_programs() -> Response | None:
        return refusal() if by_catch_all() and for_programs() else None

    @server.after_request
    def _unknown_page_is_404(response: Response) -> Response:
        path = (request.view_args or {}).get("path", "")
        if by_catch_all() and response.status_code == 200 and path.strip("/") not in pages:
            response.status_code = 404
        return response

    def answer(error: HTTPException) -> Response | HTTPException:
        if not for_programs():
            return error
        if request.url_rule is not None:  # a route ran and found nothing (a missing asset)
            return json_error(error.code or 404, "not found", path=request.path)
        return refusal()

    server.register_error_handler(NotFound, answer)
    server.register_error_handler(MethodNotAllowed, answer)
