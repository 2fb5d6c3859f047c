"""Malformed Dash callback requests get a 400 that says what is wrong, not Dash's 500.

Dash's ``/_dash-update-component`` trusts the shape of the JSON body its own renderer sends: an
unknown ``output`` or a body that is not an object ends in a KeyError or TypeError and a
traceback. The guard checks the shape before Dash sees the request.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from dash import Dash
from flask import Response, request

from app.http_errors import json_error

DISPATCH_SUFFIX = "/_dash-update-component"


def callback_request_problem(body: Any, known_outputs: Container[str]) -> str | None:
    """What is wrong with a callback request ``body``, or None when Dash can take it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in known_outputs:
        return "output names no callback of this dashboard"
    outputs = body.get("outputs", [])
    if not (_dependency(outputs) or outputs == []):
        return "outputs must be an {id, property} object or a list of them"
    for key in ("inputs", "state"):
        items = body.get(key, [])
        if not isinstance(items, list) or not all(_dependency(item) for item in items):
            return f"{key} must be a list of {{id, property}} objects"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def _dependency(item: Any) -> bool:
    if isinstance(item, list):  # pattern-matching ids: a list of dependencies
        return all(_dependency(part) for part in item)
    return isinstance(item, dict) and "id" in item and isinstance(item.get("property"), str)


def attach_dispatch_guard(dash_app: Dash) -> None:
    """Answers malformed POSTs to Dash's callback endpoint with 400 and the reason."""

    @dash_app.server.before_request
    def _check_callback_request() -> Response | None:
        if request.method != "POST" or not request.path.endswith(DISPATCH_SUFFIX):
            return None
        problem = callback_request_problem(request.get_json(silent=True), dash_app.callback_map)
        return None if problem is None else json_error(400, problem)
