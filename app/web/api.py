"""REST routes: the latest sample, hosts, overview, liveness, readiness and ``/metrics``."""

from __future__ import annotations

import logging
import os

from flask import Blueprint, Response, current_app, jsonify, request

from app.http_errors import json_error
from app.hub.reporting import HostReport, HostReports
from app.runtime.monitor import Monitor
from app.web import prometheus
from app.web.alerts_api import alert_metrics
from app.web.host_summaries import HostSummaries, OverviewQuery
from app.web.relayed import current_hosts, latest_whole, wait_for_host
from storage.health import failure_kind

api = Blueprint("api", __name__)
log = logging.getLogger(__name__)


def current_monitor() -> Monitor:
    """The monitor that ``create_app`` attached to the serving Flask app."""
    return current_app.extensions["monitor"]


@api.get("/api/v1/latest")
def latest() -> Response:
    """The newest sample as JSON (of ``?host=`` when given); 503 before the first sample.
    A host whose whole samples do not reach this process now (on PostgreSQL: nobody here
    watches it) is watched for up to one and a half intervals, for its next one."""
    monitor = current_monitor()
    host = request.args.get("host")
    known = monitor.hub.hosts()
    if host is not None and known and host not in known:
        return json_error(404, f"unknown host {host!r}", parameter="host")
    message = latest_whole(monitor, host, wait_for_host(monitor, host))
    if message is None:
        return json_error(503, "no sample yet: the sampler is starting")
    response = Response(message.payload, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def describe(error: Exception) -> str:
    """``Type: first line of the message`` (driver messages run over many lines)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def host_reports(monitor: Monitor, *, stored: bool = True) -> dict[str, HostReport]:
    """Every host's report by the one rule (``app.hub.reporting``): live hosts by when their
    newest sample arrived here, hosts known from the database alone (``stored``) by its time."""
    reports = current_app.extensions.setdefault(
        "host_reports", HostReports(monitor.hub, monitor.heard, monitor.config.interval)
    )
    known = None
    if stored:
        try:
            known = monitor.store.host_info()
        except Exception as exc:  # the live part still answers while the database is down
            log.warning("host list without the database: %s", exc)
    return reports.reports(known, monitor.wall_clock())


@api.get("/readyz")
def readyz() -> Response:
    """200 when the database answers and this host still reports (its newest sample arrived
    within three intervals, ``app.hub.reporting``); else 503 and the reason."""
    monitor = current_monitor()
    config = monitor.config
    try:
        monitor.store.ping()
    except Exception as exc:
        state = failure_kind(monitor.store.engine, exc)  # "read-only" or "unreachable"
        return json_error(503, f"database {state}: {describe(exc)}", ready=False)
    storage = monitor.writer.health()
    if not storage["storage_ok"]:
        return json_error(503, f"storage failing: {storage['storage_error']}", ready=False)
    report = host_reports(monitor, stored=False).get(config.hostname)
    if report is None:
        return json_error(503, "no sample yet", ready=False)
    if not report.reporting:
        return json_error(503, f"newest sample is {report.age_s:.1f} s old", ready=False)
    return jsonify({"ready": True, "role": monitor.role, "sample_age_s": report.age_s})


@api.get("/metrics")
def metrics() -> Response:
    """The newest sample of every host whose whole samples reach this process (on PostgreSQL
    its own and the watched ones) and this process's health, in Prometheus text format."""
    monitor = current_monitor()
    hub = monitor.hub
    latest = [m for host in current_hosts(monitor) if (m := hub.latest(host)) is not None]
    local = {
        **hub.health(),
        **{k: v for k, v in monitor.writer.health().items() if isinstance(v, int | float)},
    }
    body = prometheus.render(latest, local)
    if monitor.alerts is not None:
        body += alert_metrics(monitor.alerts.store)
    return Response(body, mimetype="text/plain; version=0.0.4")


@api.get("/healthz")
def healthz() -> Response:
    """200 while the process lives, with the sampler's state."""
    monitor = current_monitor()
    return jsonify(
        {
            "status": "ok",
            "role": monitor.role,
            "pid": os.getpid(),
            "live_clients": monitor.hub.health()["subscribers"],
        }
    )


@api.get("/api/v1/overview")
def overview() -> Response:
    """A page of hosts (``?q=`` search, ``?sort=name|worst``, ``?page=``, ``?per_page=``):
    each one's key values, a CPU sparkline and whether it still reports (the same reports as
    ``/api/v1/hosts``: hosts known from the database alone have no values), and the whole
    fleet's counts; 400 naming a bad parameter."""
    try:
        query = OverviewQuery.parse(request.args)
    except ValueError as bad:
        return json_error(400, str(bad), parameter=str(bad).split(":", 1)[0])
    monitor = current_monitor()
    summaries = current_app.extensions.setdefault("host_summaries", HostSummaries(monitor.hub))
    response = jsonify(summaries.overview(host_reports(monitor), query))
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/api/v1/hosts")
def hosts() -> Response:
    """Every host known live or stored: its newest sample time, its interval, how old its
    newest sample is and whether it still reports (``app.hub.reporting``)."""
    entries = [
        {
            "host": r.host,
            "last_ts": r.last_ts,
            "interval_s": r.interval_s,
            "age_s": r.age_s,
            "reporting": r.reporting,
            "live": r.live,
        }
        for r in host_reports(current_monitor()).values()
    ]
    return jsonify({"hosts": entries})
