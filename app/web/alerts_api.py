"""The alerts API: open and recent alerts, the rules in force, acknowledge and silence.

Everything is read from and written to the database, so every worker answers the same and the
evaluating process picks acknowledgements and silences up within seconds. POSTs take JSON only
(a cross-site form cannot send it without a CORS preflight, which is never granted). Rules are
shown without notification URLs: those are secrets, named only as "json #1".
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, stream_with_context

from app.alerts.notify import targets_of
from app.alerts.rules import RuleSet
from app.config import Config
from app.http_errors import json_error
from app.runtime.monitor import Monitor
from storage.alert_events import AlertEventStore
from storage.alert_export import events_csv
from storage.timeparse import parse_duration, parse_instant

alerts_api = Blueprint("alerts_api", __name__)
MAX_LIMIT = 5000
EVENT_KINDS = ("pending", "firing", "escalated", "repeated", "resolved", "cancelled",
               "acknowledged")  # fmt: skip


def register_alerts_api(server: Flask, _monitor: Monitor, _config: Config) -> None:
    server.register_blueprint(alerts_api)


def _store() -> AlertEventStore:
    monitor: Monitor = current_app.extensions["monitor"]
    if monitor.alerts is not None:
        return monitor.alerts.store
    return AlertEventStore(monitor.store.engine)


def _rule_set() -> RuleSet | None:
    alerts = current_app.extensions["monitor"].alerts
    return alerts.evaluator.rule_set if alerts is not None else None


class BadRequest(ValueError):
    """A request parameter that cannot be used; the message names it."""


@alerts_api.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> Response:
    return json_error(400, str(error))


@alerts_api.get("/api/v1/alerts")
def list_alerts() -> Response:
    """Open (pending and firing) alerts and recent events, filtered by host, rule and kind.

    A ``since`` at or after the request's time (``since=now``: the live banner's poll) lists no
    events and reads none: events are stamped when they are recorded, before the request.
    ``revision`` is the alerts' revision this process knew before reading (no I/O): the live
    banner compares it with the samples' ``health.alerts_rev``.
    """
    now = time.time()
    host, rule, kinds, since = _filters(now)
    limit = _int(request.args.get("limit", "200"), "limit")
    store = _store()
    revision = store.revision.known
    open_alerts = [
        a for a in store.open_alerts([host] if host else None) if rule is None or a["rule"] == rule
    ]
    events = (
        store.events(host=host, rule=rule, kinds=kinds, since=since, limit=limit)
        if since < now
        else []
    )
    silences = store.silences(active_at=now)
    return jsonify(
        {"open": open_alerts, "events": events, "silences": silences, "revision": revision}
    )


@alerts_api.get("/api/v1/alerts/events.csv")
def events_csv_download() -> Response:
    """The events matching the filters of ``GET /api/v1/alerts`` as CSV, streamed."""
    host, rule, kinds, since = _filters(time.time())
    store = _store()
    store.ensure_schema()
    chunks = events_csv(store.engine, host=host, rule=rule, kinds=kinds, since=since)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="alert-events.csv"'
    return response


def _filters(now: float) -> tuple[str | None, str | None, list[str] | None, float]:
    """(host, rule, kinds, since) of the request; a bad one raises ``BadRequest``."""
    args = request.args
    since = _instant(args.get("since", "now-7d"), now, "since")
    kinds = [k for k in args.get("kind", "").split(",") if k] or None
    unknown = [k for k in kinds or () if k not in EVENT_KINDS]
    if unknown:
        raise BadRequest(f"kind: unknown {unknown[0]!r} (one of {', '.join(EVENT_KINDS)})")
    return args.get("host") or None, args.get("rule") or None, kinds, since


@alerts_api.get("/api/v1/alerts/rules")
def list_rules() -> Response:
    """The rules in force and the notification targets by name (never their URLs)."""
    rule_set = _rule_set()
    if rule_set is None:
        return jsonify({"enabled": False, "rules": [], "targets": []})
    quiet = rule_set.quiet_hours
    return jsonify(
        {
            "enabled": True,
            "rules": [r.public() for r in rule_set.rules],
            "targets": [
                {"name": t.name, "severity": t.route.severity, "labels": t.route.labels}
                for t in targets_of(rule_set.routes)
            ],
            "quiet_hours": None if quiet is None else vars(quiet),
            "group_wait": rule_set.group_wait,
        }
    )


@alerts_api.post("/api/v1/alerts/acknowledge")
def acknowledge() -> Response:
    """Acknowledges a firing alert ({rule, host, series, note}): no more repeats of it."""
    body = _json_body()
    rule, host = _text(body, "rule", required=True), _text(body, "host", required=True)
    series, note = _text(body, "series"), _text(body, "note")
    store = _store()
    firing = [
        a for a in store.open_alerts([host])
        if a["rule"] == rule and a["series"] == series and a["status"] == "firing"
    ]  # fmt: skip
    if not firing:
        return json_error(404, f"no firing alert {rule!r} on {host!r} (series {series!r})")
    alert, actor = firing[0], _actor()
    event = {"ts": time.time(), "kind": "acknowledged", "rule": rule, "host": host,
             "series": series, "severity": alert["severity"], "value": alert["value"],
             "threshold": alert["threshold"], "since": alert["since"], "evidence": note,
             "actor": actor}  # fmt: skip
    (event_id,) = store.record([event])
    return jsonify({"acknowledged": True, "id": event_id, "by": actor})


@alerts_api.post("/api/v1/alerts/silences")
def silence() -> Response:
    """Silences alerts matching {rule, host, series} (globs, default "*") for ``for``."""
    body = _json_body()
    now = time.time()
    try:
        seconds = parse_duration(body.get("for", "1h"))
    except (TypeError, ValueError):
        raise BadRequest(f"for: not a duration: {body.get('for')!r} (e.g. 30m, 2h)") from None
    if not 0 < seconds <= 366 * 86400:
        raise BadRequest("for: must be more than 0 and at most a year")
    silence_id = _store().add_silence(
        rule=_text(body, "rule") or "*", host=_text(body, "host") or "*",
        series=_text(body, "series") or "*", until=now + seconds, actor=_actor(),
        note=_text(body, "note"), now=now,
    )  # fmt: skip
    return jsonify({"id": silence_id, "until": now + seconds}), 201


@alerts_api.post("/api/v1/alerts/silences/<int:silence_id>/end")
def end_silence(silence_id: int) -> Response:
    """Ends a silence now; 404 when no such silence is still in force."""
    if not _store().end_silence(silence_id, time.time()):
        return json_error(404, f"no silence #{silence_id} in force")
    return jsonify({"id": silence_id, "ended": True})


def alert_metrics(store: AlertEventStore) -> str:
    """Prometheus lines: open alerts by status and severity."""
    counts = Counter((a["status"], a["severity"] or "none") for a in store.open_alerts())
    lines = ["# TYPE monitor_alerts gauge"]
    for status in ("pending", "firing"):
        for severity in ("warning", "critical"):
            count = counts.get((status, severity), 0)
            lines.append(f'monitor_alerts{{status="{status}",severity="{severity}"}} {count}')
    return "\n".join(lines) + "\n"


def _json_body() -> dict[str, Any]:
    if not request.is_json:
        raise BadRequest("body: send JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("body: must be a JSON object")
    return body


def _text(body: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > 512:
        raise BadRequest(f"{key}: must be a string of at most 512 characters")
    if required and not value:
        raise BadRequest(f"{key}: missing")
    return value


def _actor() -> str:
    """Who is asking, as the authentication layer saw them ("anonymous" without a login)."""
    user = getattr(request, "remote_user", None) or request.environ.get("REMOTE_USER")
    return str(user or "anonymous")[:255]


def _instant(text: str, now: float, name: str) -> float:
    try:
        return parse_instant(text, now)
    except ValueError as exc:
        raise BadRequest(f"{name}: {exc}") from None


def _int(text: str, name: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= MAX_LIMIT:
        raise BadRequest(f"{name}: must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)
