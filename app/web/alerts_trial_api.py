"""``POST /api/v1/alerts/test``: how often a rule would have fired on the stored history.

The answer is ``app.alerts.trial``'s, the one ``python -m app alerts test`` prints. The server's
guards apply as to every POST (authentication when configured, the cross-site check of
app/guard/csrf.py); the body is JSON only. A replay holds its request thread for seconds (a
week of 1 Hz history), so the range is at most ``MAX_SINCE`` and one trial runs at a time in a
process: another one meanwhile is answered 429 at once. Every bad parameter answers 400 with
``{"error", "parameter"}``, the rule text's problems in the words of the rule file's checks.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from app.alerts.rules import Rule, RuleError, RuleSet, load_rules
from app.alerts.trial import Trial, UnknownHost, replayable, rules_from_toml, run_trial
from app.config import Config
from app.http_errors import json_error
from app.runtime.monitor import Monitor
from storage.timeparse import parse_duration

trial_api = Blueprint("alerts_trial_api", __name__)
TRIAL_PATH = "/api/v1/alerts/test"
MAX_SINCE = 31 * 86400.0
MAX_SINCE_TEXT = "31d"
MAX_PERIODS = 200  # periods listed in an answer; "firings" counts them all
MAX_TOML_CHARS = 20_000
LOCK_KEY = "alerts_trial_lock"


class TrialParameterError(ValueError):
    """A parameter of a trial that cannot be used: ``message`` names what is wrong."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def register_alerts_trial_api(server: Flask, _monitor: Monitor, _config: Config) -> None:
    server.extensions[LOCK_KEY] = threading.Lock()
    server.register_blueprint(trial_api)


@trial_api.errorhandler(TrialParameterError)
def _bad_parameter(error: TrialParameterError) -> Response:
    return json_error(400, str(error), parameter=error.parameter)


@trial_api.errorhandler(SQLAlchemyError)
def _database_error(error: SQLAlchemyError) -> Response:
    current_app.logger.error("rule trial could not read history: %s", error)
    return json_error(503, "the database is unavailable")


@trial_api.post(TRIAL_PATH)
def try_rule() -> Response:
    """{"rule": NAME} or {"toml": TEXT}, "since" (default 7d), optional "host": how often the
    rule would have fired, when, for how long, read from which tier."""
    body = _body()
    rules = _rules(body)
    since = _since(body.get("since", "7d"))
    host = _text(body, "host", 255) or None
    lock: threading.Lock = current_app.extensions[LOCK_KEY]
    if not lock.acquire(blocking=False):
        response = json_error(429, "another rule trial is running here; try again in a moment")
        response.headers["Retry-After"] = "5"
        return response
    try:
        trial = run_trial(current_app.extensions["monitor"].store, rules, since, host=host)
    except UnknownHost:
        raise TrialParameterError("host", f"host: no stored history for {host!r}") from None
    finally:
        lock.release()
    return jsonify(trial_json(trial, since, rules))


def trial_json(trial: Trial, since: float, rules: list[Rule]) -> dict[str, Any]:
    """The answer: counts, the first ``MAX_PERIODS`` periods, what was read and how long it took."""
    return {
        "firings": len(trial.periods),
        "total_seconds": trial.total_seconds(),
        "periods": [p.public(trial.end) for p in trial.periods[:MAX_PERIODS]],
        "truncated": len(trial.periods) > MAX_PERIODS,
        "start": trial.start,
        "end": trial.end,
        "since": since,
        "seconds_replayed": round(trial.seconds_replayed, 3),
        "samples": trial.samples,
        "rows": trial.rows_by_tier,
        "source": trial.source,
        "sources": trial.sources,
        "rules": [r.public() for r in rules],
    }


def _rules(body: dict[str, Any]) -> list[Rule]:
    """The rules to try: the one in force named ``rule``, or those of the ``toml`` text."""
    name, text = _text(body, "rule", 255), _text(body, "toml", MAX_TOML_CHARS)
    if bool(name) == bool(text):
        raise TrialParameterError(
            "rule", "rule: give either rule (the name of a rule in force) or toml (a rule text)"
        )
    try:
        if text:
            return replayable(rules_from_toml(text, "toml"), "toml")
        rule = _rules_in_force().by_name(name)
        if rule is None:
            raise RuleError(f"rule: no rule in force is named {name!r}")
        return replayable([rule], "rule")
    except RuleError as exc:
        raise TrialParameterError("toml" if text else "rule", str(exc)) from None


def _rules_in_force() -> RuleSet:
    """The evaluator's rules; with alerts off, those the rule file would give (as the CLI)."""
    monitor: Monitor = current_app.extensions["monitor"]
    if monitor.alerts is not None:
        return monitor.alerts.evaluator.rule_set
    return load_rules(monitor.config.alerts_file or None)


def _since(value: Any) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"not a duration: {value!r}")
        seconds = parse_duration(value)
    except ValueError as exc:
        raise TrialParameterError("since", f"since: {exc}") from None
    if seconds <= 0:
        raise TrialParameterError("since", "since: must be more than 0 (e.g. 7d)")
    if seconds > MAX_SINCE:
        raise TrialParameterError(
            "since",
            f"since: at most {MAX_SINCE_TEXT} here (a longer replay would hold the server too "
            "long; python -m app alerts test has no limit)",
        )
    return seconds


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise TrialParameterError("body", "body: send JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise TrialParameterError("body", "body: must be a JSON object")
    return body


def _text(body: dict[str, Any], key: str, limit: int) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise TrialParameterError(key, f"{key}: must be a string of at most {limit:,} characters")
    return value.strip() if key != "toml" else value
