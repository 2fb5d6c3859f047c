"""REST routes: the latest sample, hosts, overview, liveness, readiness and ``/metrics``."""

from __future__ import annotations

import json
import logging
import os

from flask import Blueprint, Response, current_app, jsonify, request

from app.http_errors import json_error
from app.hub.reporting import still_reporting
from app.runtime.monitor import Monitor
from app.web import prometheus
from app.web.alerts_api import alert_metrics
from app.web.host_summaries import HostSummaries
from storage.health import failure_kind

api = Blueprint("api", __name__)
log = logging.getLogger(__name__)


def current_monitor() -> Monitor:
    """The monitor that ``create_app`` attached to the serving Flask app."""
    return current_app.extensions["monitor"]


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


def describe(error: Exception) -> str:
    """``Type: first line of the message`` (driver messages run over many lines)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def heard_age(monitor: Monitor, host: str, ts: float) -> float:
    """Seconds since ``host``'s newest sample (stamped ``ts``) arrived, on the monotonic clock
    (``app.hub.reporting``): a step of the wall clock changes nothing; ``ts`` only counts for
    a sample that did not come through the hub."""
    age = monitor.heard.age(host)
    return age if age is not None else monitor.wall_clock() - ts


@api.get("/readyz")
def readyz() -> Response:
    """200 when the database answers and this host's newest sample is fresh (arrived within
    three intervals, on the monotonic clock); else 503 and the reason."""
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
    latest = monitor.hub.latest(config.hostname)
    if latest is None:
        return json_error(503, "no sample yet", ready=False)
    age = heard_age(monitor, config.hostname, latest.ts)
    if not still_reporting(age, config.interval):
        return json_error(503, f"newest sample is {age:.1f} s old", ready=False)
    return jsonify({"ready": True, "role": monitor.role, "sample_age_s": round(age, 3)})


@api.get("/metrics")
def metrics() -> Response:
    """Every host's newest sample and this process's health, in Prometheus text format."""
    monitor = current_monitor()
    hub = monitor.hub
    latest = [m for host in hub.hosts() if (m := hub.latest(host)) is not None]
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
    """Every live host's key values, a CPU sparkline and whether it still reports."""
    monitor = current_monitor()
    summaries = current_app.extensions.setdefault(
        "host_summaries", HostSummaries(monitor.hub, monitor.config.interval, monitor.heard)
    )
    response = jsonify({"hosts": summaries.overview()})
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/api/v1/hosts")
def hosts() -> Response:
    """Every host known live or stored: its newest sample time, and whether it still reports
    (a sample within three of its intervals: on the monotonic clock since it arrived for a
    live host, by its stored time for one known from the database alone)."""
    monitor = current_monitor()
    now = monitor.wall_clock()
    known: dict[str, dict] = {}
    try:
        for name, info in monitor.store.host_info().items():
            known[name] = {"host": name, "last_ts": info["last_ts"], "interval_s": None}
    except Exception as exc:  # the live part still answers while the database is down
        log.warning("host list without the database: %s", exc)
    for name in monitor.hub.hosts():
        message = monitor.hub.latest(name)
        if message is None:
            continue
        interval = json.loads(message.payload).get("health", {}).get("interval_s")
        entry = known.setdefault(name, {"host": name, "last_ts": 0.0, "interval_s": None})
        entry["last_ts"] = max(entry["last_ts"], message.ts)
        entry["interval_s"] = interval
        entry["age_s"] = round(heard_age(monitor, name, message.ts), 3)
    for entry in known.values():
        interval = entry["interval_s"] or monitor.config.interval
        entry.setdefault("age_s", round(now - entry["last_ts"], 3))
        entry["reporting"] = still_reporting(entry["age_s"], interval)
    return jsonify({"hosts": sorted(known.values(), key=lambda e: e["host"])})
