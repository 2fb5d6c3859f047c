"""Limits on JSON request bodies, applied before anything parses them.

Python's ``json`` parser recurses once per nesting level: a body nested a few thousand levels
deep (``[[[[...``) ends in a RecursionError inside ``request.get_json`` (a 500), whatever the
route. Every request with a JSON body, and every POST to Dash's callback endpoint, is therefore
measured first: over ``MAX_JSON_BYTES`` it gets 413, nested deeper than ``MAX_DEPTH`` it gets
400, each with the reason. Measuring is one regular-expression pass that skips strings whole;
it never recurses.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request

from app.config import Config
from app.http_errors import json_error

MAX_JSON_BYTES = 1024 * 1024
MAX_DEPTH = 64  # what the dashboard's own requests need is about ten
DISPATCH_SUFFIX = "/_dash-update-component"
# A whole string, a run of openers, a run of closers, or a quote that opens no whole string.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[{]+|[\]}]+|"', re.DOTALL)


def nesting_depth(data: bytes, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays and objects in ``data``, brackets inside strings not
    counted; counting stops once past ``limit``. After a string that does not end, nothing
    counts."""
    depth = deepest = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        first = token[0]
        if first == 0x22:  # '"'
            if len(token) == 1:
                break
        elif first in b"[{":
            depth += len(token)
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        else:
            depth -= len(token)
    return deepest


def body_problem(data: bytes) -> tuple[int, str] | None:
    """(status, reason) for a JSON body that must not be parsed, or None."""
    if len(data) > MAX_JSON_BYTES:
        return 413, f"a JSON body may have at most {MAX_JSON_BYTES} bytes"
    if nesting_depth(data) > MAX_DEPTH:
        return 400, f"JSON nested deeper than {MAX_DEPTH} levels"
    return None


def attach_json_limits(server: Flask, _monitor: object, _config: Config) -> None:
    """Measures every JSON body (and every Dash callback request) before a route parses it."""

    @server.before_request
    def _limit_json_bodies() -> Response | None:
        dispatch = request.method == "POST" and request.path.endswith(DISPATCH_SUFFIX)
        if not (dispatch or request.is_json):
            return None
        length = request.content_length
        if length is not None and length > MAX_JSON_BYTES:
            return json_error(413, f"a JSON body may have at most {MAX_JSON_BYTES} bytes")
        problem = body_problem(request.get_data(cache=True))
        return None if problem is None else json_error(problem[0], problem[1])
