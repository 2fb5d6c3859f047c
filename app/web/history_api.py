"""History REST routes: views, series, process snapshots, storage use and CSV export.

Every bad parameter answers HTTP 400 with ``{"error": ..., "parameter": ...}`` before any
data is streamed; a database that cannot be reached answers 503.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from app.config import Config
from app.http_errors import json_error
from app.paths import EXPORT_PATH
from app.runtime.monitor import Monitor
from storage.export import export_csv
from storage.history import MAX_POINTS, HistoryReader, HistoryView, UnknownHost
from storage.params import (
    MAX_VIEW_SPAN,
    BadParameter,
    check_span,
    export_args_from_query,
    parse_host,
    parse_int,
    parse_metrics,
    parse_range,
    resolve_export,
)
from storage.snapshot_reads import snapshot_near
from storage.store import MetricStore
from storage.timeparse import iso_utc, parse_instant
from storage.usage import storage_bytes

history_api = Blueprint("history_api", __name__)


def register_history_api(server: Flask, _monitor: Monitor, _config: Config) -> None:
    server.register_blueprint(history_api)


def _monitor() -> Monitor:
    return current_app.extensions["monitor"]


def history_store() -> MetricStore:
    return _monitor().store


def _bad_parameter(exc: BadParameter) -> Response:
    return json_error(400, exc.message, parameter=exc.parameter)


def _unknown_host(exc: UnknownHost) -> Response:
    return json_error(400, f"unknown host {exc.args[0]!r}", parameter="host")


def _database_error(exc: SQLAlchemyError) -> Response:
    current_app.logger.error("history query failed: %s", exc)
    return json_error(503, "the database is unavailable")


def answer_history_errors(blueprint: Blueprint) -> None:
    """A bad parameter or unknown host: 400 naming it; a failing database: 503."""
    blueprint.register_error_handler(BadParameter, _bad_parameter)
    blueprint.register_error_handler(UnknownHost, _unknown_host)
    blueprint.register_error_handler(SQLAlchemyError, _database_error)


answer_history_errors(history_api)


def stored_host() -> str:
    """The ``?host`` of a history request (the sampling host, or the only one, by default)."""
    return parse_host(
        request.args.get("host"), history_store().host_names(), _monitor().config.hostname
    )


def request_range() -> tuple[float, float]:
    """``?from&to|since`` of a history request, at most ``MAX_VIEW_SPAN`` long."""
    start, end = parse_range(
        request.args.get("from"), request.args.get("to"), time.time(),
        since_text=request.args.get("since"),
    )  # fmt: skip
    check_span(start, end, MAX_VIEW_SPAN, "history views")
    return start, end


def view_json(view: HistoryView) -> dict[str, Any]:
    """A view as JSON: times in epoch ms, each series' mean, min and max (null = no data)."""

    def column(matrix: np.ndarray, i: int) -> list[float | None]:
        values = matrix[:, i]
        return [None if v != v else v for v in values.tolist()]

    data = view.data
    return {
        "host": view.host,
        "from": iso_utc(view.start),
        "to": iso_utc(view.end),
        "source": view.source.name,
        "bucket_s": view.width_ms / 1000 if view.width_ms else None,
        "ts": data.ts.tolist(),
        "series": {
            name: {
                "mean": column(data.mean, i),
                "min": column(data.min, i),
                "max": column(data.max, i),
            }
            for i, name in enumerate(data.names)
        },
    }


@history_api.get("/api/v1/history")
def history() -> Response:
    """``?host&from&to|since&metrics&points``: the series resampled to at most ``points``."""
    host = stored_host()
    start, end = request_range()
    reader = HistoryReader(history_store())
    metrics = parse_metrics(request.args.getlist("metrics"), reader.series_names(host))
    points = parse_int("points", request.args.get("points"), MAX_POINTS, 10, 10_000)
    return jsonify(view_json(reader.view(host, metrics, start, end, max_points=points)))


@history_api.get("/api/v1/history/hosts")
def stored_hosts() -> Response:
    """The hosts with stored samples (never 400: the live page asks before it reads a host's
    series, which answer 400 for a host with none)."""
    return jsonify({"hosts": history_store().host_names()})


@history_api.get("/api/v1/history/series")
def series() -> Response:
    """The stored hosts and every series of ``?host``."""
    store = history_store()
    host = stored_host()
    names = HistoryReader(store).series_names(host)
    return jsonify({"host": host, "hosts": store.host_names(), "series": names})


@history_api.get("/api/v1/history/processes")
def processes() -> Response:
    """The stored top-process snapshot of ``?host`` nearest ``?at`` (404 when none)."""
    host = stored_host()
    at_text = request.args.get("at")
    if not at_text:
        raise BadParameter("at", "at is required (ISO-8601 or epoch seconds)")
    try:
        at = parse_instant(at_text, time.time())
    except ValueError as exc:
        raise BadParameter("at", str(exc)) from None
    snapshot = snapshot_near(history_store(), host, at)
    if snapshot is None:
        return json_error(404, f"no process snapshot stored for {host!r}")
    return jsonify({"host": host, **snapshot})


@history_api.get("/api/v1/history/usage")
def usage() -> Response:
    """Bytes each history table takes, and their total."""
    sizes = storage_bytes(history_store().engine)
    return jsonify({"tables": sizes, "total": sum(sizes.values())})


@history_api.get(EXPORT_PATH)
def export() -> Response:
    """The CSV of ``?from&to|since&metrics&resolution&format&host&time&kind``, streamed."""
    export_args = export_args_from_query(request.args.getlist)
    store = history_store()
    export_request = resolve_export(export_args, store, time.time(), _monitor().config.hostname)
    name = "-".join(
        [
            re.sub(r"[^A-Za-z0-9._-]+", "_", export_request.host) or "host",
            export_request.kind if export_request.kind != "samples" else export_request.resolution,
            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(export_request.start)),
        ]
    )
    response = Response(export_csv(store, export_request), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response
