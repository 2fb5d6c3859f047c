"""Analysis REST routes over the history: summary (and comparison), changes, top processes.

The same parameters as ``/api/v1/history`` (``host``, ``from``/``to`` or ``since``,
``metrics``); bad ones answer 400 naming the parameter, a failing database 503.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from analysis.changes import MAX_BASELINE_S, MIN_BASELINE_S, default_baseline_s
from analysis.reports import changes_report, summary_report, top_processes_report
from analysis.usage import SORTS
from app.config import Config
from app.runtime.monitor import Monitor
from app.web.history_api import answer_history_errors, history_store, request_range, stored_host
from storage.export import text_cell
from storage.history import HistoryReader
from storage.params import BadParameter, parse_choice, parse_int, parse_metrics
from storage.process_series import process_series
from storage.timeparse import iso_utc, parse_duration

analysis_api = Blueprint("analysis_api", __name__)
answer_history_errors(analysis_api)
COMPARE = {"1d": 86400.0, "7d": 7 * 86400.0}
PROCESS_COLUMNS = ("name", "cpu_s", "rss_peak", "rss_avg", "top_s", "pids", "user", "command")


def register_analysis_api(server: Flask, _monitor: Monitor, _config: Config) -> None:
    server.register_blueprint(analysis_api)


def _metrics(host: str, required: bool) -> tuple[str, ...]:
    given = [v for v in request.args.getlist("metrics") if v.strip()]
    if required and not given:
        raise BadParameter("metrics", "metrics is required (comma-separated series names)")
    names = HistoryReader(history_store()).series_names(host)
    if not given:
        return tuple(names)  # every series: changes may rank more than a chart can draw
    return parse_metrics(given, names)


def _duration(parameter: str, text: str, low: float, high: float) -> float:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise BadParameter(parameter, str(exc)) from None
    if not low <= value <= high:
        raise BadParameter(parameter, f"{parameter} must be between {low:g} s and {high:g} s")
    return value


@analysis_api.get("/api/v1/history/summary")
def summary() -> Response:
    """``?metrics&host&from&to|since[&compare=1d|7d|DURATION][&bins]``."""
    host = stored_host()
    start, end = request_range()
    metrics = _metrics(host, required=True)
    compare_text = (request.args.get("compare") or "").strip().lower()
    compare = None
    if compare_text and compare_text != "none":
        compare = COMPARE.get(compare_text) or _duration("compare", compare_text, 60, 366 * 86400)
    bins = parse_int("bins", request.args.get("bins"), 30, 5, 200)
    report = summary_report(
        history_store(), host, metrics, start, end, compare_s=compare, bins=bins
    )
    return jsonify(report)


@analysis_api.get("/api/v1/history/changes")
def changes() -> Response:
    """``?from&to`` (the window) ``[&baseline=DURATION][&metrics][&limit][&host]``: the series
    that changed most in the window against the baseline before it (4 windows by default)."""
    host = stored_host()
    start, end = request_range()
    baseline_text = request.args.get("baseline")
    if baseline_text:
        baseline = _duration("baseline", baseline_text, MIN_BASELINE_S, MAX_BASELINE_S)
    else:
        baseline = default_baseline_s(end - start)
    limit = parse_int("limit", request.args.get("limit"), 20, 1, 100)
    metrics = _metrics(host, required=False)
    report = changes_report(
        history_store(), host, metrics, start, end, baseline_s=baseline, limit=limit
    )
    return jsonify(report)


@analysis_api.get("/api/v1/history/top-processes")
def top_processes() -> Response:
    """``?host&from&to|since[&sort][&limit][&format=json|csv]``: process names by use."""
    host = stored_host()
    start, end = request_range()
    sort = parse_choice("sort", request.args.get("sort"), SORTS, "cpu_s")
    limit = parse_int("limit", request.args.get("limit"), 50, 1, 1000)
    shape = parse_choice("format", request.args.get("format"), ("json", "csv"), "json")
    report = top_processes_report(history_store(), host, start, end, sort=sort, limit=limit)
    if shape == "json":
        return jsonify(report)
    lines = [",".join(PROCESS_COLUMNS)]
    lines += [",".join(_cell(row[c]) for c in PROCESS_COLUMNS) for row in report["processes"]]
    response = Response("\n".join(lines) + "\n", mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="top-processes.csv"'
    return response


@analysis_api.get("/api/v1/history/top-processes/series")
def process_series_route() -> Response:
    """``?name&host&from&to|since``: one process name's CPU % and memory over the range."""
    host = stored_host()
    start, end = request_range()
    name = (request.args.get("name") or "").strip()
    if not name:
        raise BadParameter("name", "name is required (a process name of top-processes)")
    series = process_series(history_store(), host, name, start, end)
    return jsonify(
        {"host": host, "name": name, "from": iso_utc(start), "to": iso_utc(end)} | series
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    return text_cell(value) if isinstance(value, str) else repr(value)
