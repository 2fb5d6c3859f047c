"""The lifecycle of one alert: inactive → pending → firing → resolved, with acknowledge.

``advance`` is the whole state machine for one new value of a rule's statistic at time
``now`` (seconds; the caller's clock, so tests drive it): pending while the value has been past
a threshold for less than ``for``; firing after that; a firing alert stays while the value is
past ``clear`` (hysteresis) and for ``keep_firing_for`` after it stops being so; then resolved.
A firing alert escalates from warning to critical but never steps down until it resolves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from app.alerts.rules import Rule

SEVERITY_RANK = {None: 0, "warning": 1, "critical": 2}


class AlertKey(NamedTuple):
    """What one alert is about: a rule on one series of one host."""

    rule: str
    host: str
    series: str


@dataclass
class Alert:
    """The state of one alert (kept only while pending or firing)."""

    key: AlertKey
    status: str = "inactive"  # "pending" | "firing" | "inactive"
    severity: str | None = None
    value: float = math.nan
    threshold: float | None = None
    pending_since: float | None = None
    firing_since: float | None = None
    last_true: float | None = None
    notified_at: float | None = None  # when its last notification was sent off; None: never
    acked_by: str = ""
    acked_at: float | None = None
    ack_note: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.acked_at is not None

    def public(self) -> dict:
        """The alert as JSON for the API and pages."""
        return {
            "rule": self.key.rule, "host": self.key.host, "series": self.key.series,
            "status": self.status, "severity": self.severity, "value": _finite(self.value),
            "threshold": self.threshold, "pending_since": self.pending_since,
            "firing_since": self.firing_since, "acknowledged_by": self.acked_by or None,
            "acknowledged_at": self.acked_at, "ack_note": self.ack_note or None,
        }  # fmt: skip


def advance(alert: Alert, rule: Rule, value: float, now: float) -> list[str]:
    """Moves ``alert`` on with the statistic's new ``value``; the transitions it made."""
    level = rule.level(value)
    alert.value = value
    if alert.status == "firing":
        if level is None and not rule.holds(value):
            if now - (alert.last_true or now) >= rule.keep_firing_for:
                alert.status = "inactive"
                return ["resolved"]
            return []
        alert.last_true = now
        if SEVERITY_RANK[level] > SEVERITY_RANK[alert.severity]:
            _set_severity(alert, rule, level)
            return ["escalated"]
        return []
    if level is None:
        if alert.status == "pending":
            alert.status = "inactive"
            return ["cancelled"]
        return []
    events = []
    if alert.status == "inactive":
        alert.status, alert.pending_since = "pending", now
        events.append("pending")
    if SEVERITY_RANK[level] > SEVERITY_RANK[alert.severity]:
        _set_severity(alert, rule, level)
    if now - (alert.pending_since or now) >= rule.for_:
        alert.status, alert.firing_since, alert.last_true = "firing", now, now
        alert.acked_by, alert.acked_at, alert.ack_note = "", None, ""
        events.append("firing")
    return events


def _set_severity(alert: Alert, rule: Rule, level: str | None) -> None:
    alert.severity = level
    alert.threshold = rule.threshold(level)


def repeat_due(alert: Alert, rule: Rule, now: float) -> bool:
    """Whether a firing, unacknowledged alert should be sent again: never sent yet (it was
    muted, or the process restarted before sending), or ``repeat`` seconds since the last."""
    if alert.status != "firing" or alert.acknowledged:
        return False
    if alert.notified_at is None:
        return True
    return rule.repeat > 0 and now - alert.notified_at >= rule.repeat


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
