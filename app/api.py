"""REST routes: the latest sample and liveness, as a Flask blueprint."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.monitor import Monitor

api = Blueprint("api", __name__)


def current_monitor() -> Monitor:
    """The monitor that ``create_app`` attached to the serving Flask app."""
    return current_app.extensions["monitor"]


def json_error(status: int, message: str, **details: object) -> Response:
    """A JSON error response: ``{"error": message, ...details}`` with ``status``."""
    response = jsonify({"error": message, **details})
    response.status_code = status
    return response


@api.get("/api/v1/latest")
def latest() -> Response:
    """The newest sample as JSON (of ``?host=`` when given); 503 before the first sample."""
    monitor = current_monitor()
    host = request.args.get("host")
    message = monitor.hub.latest(host)
    if message is None:
        if host is not None and host not in monitor.hub.hosts() and monitor.hub.hosts():
            return json_error(404, f"unknown host {host!r}", parameter="host")
        return json_error(503, "no sample yet: the sampler is starting")
    response = Response(message.payload, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/healthz")
def healthz() -> Response:
    """200 while the process lives, with the sampler's state."""
    monitor = current_monitor()
    return jsonify({"status": "ok", "sampling": monitor.running})
