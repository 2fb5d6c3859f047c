"""The one JSON error shape every part of the server answers with.

Guards, the REST and history APIs and the WebSocket route all refuse with ``json_error``, so a
client gets ``{"error": "...", ...details}`` whichever part said no, and no part depends on
another's blueprint for it.
"""

from __future__ import annotations

from flask import Response, jsonify


def json_error(status: int, message: str, **details: object) -> Response:
    """A JSON error response: ``{"error": message, ...details}`` with ``status``."""
    response = jsonify({"error": message, **details})
    response.status_code = status
    return response
