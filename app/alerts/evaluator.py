"""The evaluator: every rule over every sample of the hosts this process evaluates.

``observe(sample)`` flattens the sample once, expands each rule's series pattern (cached),
feeds each series' window and moves its alert on (``state.advance``), at the sample's own time.
``check_absent(last_seen, now)`` fires ``absent`` rules for hosts that stopped reporting.
Each transition becomes an ``AlertEvent``; notifications are decided here (silences and quiet
hours mute them but the events are kept), and sent elsewhere (``notify``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from app.alerts.evidence import describe, history_link
from app.alerts.matching import Cut, SeriesMatcher, host_matches
from app.alerts.quiet import Silence, in_quiet_hours, silenced_by
from app.alerts.rules import Rule, RuleSet
from app.alerts.state import Alert, AlertKey, advance, repeat_due
from app.alerts.windows import Window

_Watch = tuple[Rule, str, AlertKey, Window, float, float]  # ..., quiet sign, quiet limit
NOTIFIED_KINDS = ("firing", "escalated", "repeated")
LINK_MARGIN = 900.0  # seconds of history shown either side of an alert
VANISHED_GRACE_S = 60.0  # a series missing this long has gone (a collector failing a tick has not)


@dataclass
class AlertEvent:
    """One transition of one alert (or a repeat, or an acknowledgement)."""

    ts: float
    kind: str  # pending | firing | escalated | repeated | resolved | cancelled | acknowledged
    rule: str
    host: str
    series: str
    severity: str | None
    value: float
    threshold: float | None
    since: float | None = None
    labels: dict[str, str] = field(default_factory=dict)
    evidence: str = ""
    notify: bool = False
    muted: str = ""  # why a notification was held back: "silence #3", "quiet hours"
    id: int | None = None
    sent_before: bool = False  # whether this alert had been notified (a resolve is sent then)

    @property
    def key(self) -> AlertKey:
        return AlertKey(self.rule, self.host, self.series)


class Evaluator:
    """Holds the rules, windows and alerts of the evaluated hosts. Not thread-safe: one
    thread (the alert service's) calls it."""

    def __init__(self, rule_set: RuleSet, *, public_url: str = "") -> None:
        self.rule_set = rule_set
        self.public_url = public_url
        self.silences: list[Silence] = []
        self.before_mute_check: Callable[[], None] | None = None  # may refresh ``silences``
        self._rules = [r for r in rule_set.rules if not r.absent]
        self._absent = [r for r in rule_set.rules if r.absent]
        self._matcher = SeriesMatcher(r.series for r in self._rules)
        self._cut = Cut(r.series for r in self._rules)
        self._windows: dict[AlertKey, Window] = {}
        self._plans: dict[str, tuple[tuple[str, ...], list[_Watch]]] = {}
        self.alerts: dict[AlertKey, Alert] = {}
        self._missing: dict[AlertKey, float] = {}  # alerts whose series went: since when

    def observe(self, sample: dict[str, Any]) -> list[AlertEvent]:
        """Evaluates every rule on one sample; the events it caused (usually none)."""
        host, now = str(sample.get("host", "")), float(sample.get("ts", 0.0))
        cores = ((sample.get("system") or {}).get("cores_logical")) or 1
        flat = self._cut.flatten(sample)  # only what some rule reads
        return self.observe_flat(host, now, flat, cores, sample)

    def observe_flat(
        self, host: str, now: float, flat: dict[str, float], cores: int = 1,
        sample: dict[str, Any] | None = None,
    ) -> list[AlertEvent]:  # fmt: skip
        """``observe`` on already flattened series (``sample`` only feeds the evidence)."""
        events: list[AlertEvent] = []
        alerts = self.alerts
        names = tuple(flat)
        cached = self._plans.get(host)
        if cached is not None and cached[0] != names:
            self._note_missing(host, set(names), now)
        if self._missing:
            self._end_vanished(host, now, events)
        for rule, name, key, window, sign, limit in self._plan(host, names):
            value = flat[name] / cores if rule.per_core else flat[name]
            stat = window.push(now, value)
            if key in alerts or sign * stat > limit:  # else quiet, nothing kept (NaN too)
                self._step(rule, key, stat, now, events)
        return self._finish(events, host, now, sample)

    def _plan(self, host: str, names: tuple[str, ...]) -> list[_Watch]:
        """(rule, series, key, window) of every series a rule watches on ``host``, rebuilt
        only when the host's series names change."""
        cached = self._plans.get(host)
        if cached is not None and cached[0] == names:
            return cached[1]
        expanded = self._matcher.expand(host, names)
        plan = []
        for rule in self._rules:
            if host_matches(rule.hosts, host):
                for name in expanded[rule.series]:
                    key = AlertKey(rule.name, host, name)
                    window = self._windows.get(key)
                    if window is None:
                        window = self._windows[key] = Window(rule.window, rule.stat)
                    plan.append((rule, name, key, window, rule.quiet_sign, rule.quiet_limit))
        self._plans[host] = (names, plan)
        return plan

    def _note_missing(self, host: str, names: set[str], now: float) -> None:
        """Alerts of series ``host`` no longer reports start their grace (``VANISHED_GRACE_S``);
        those reported again end it. Windows of series gone are dropped."""
        for key in self.alerts:
            if key.host == host and key.series and key.series not in names:
                self._missing.setdefault(key, now)
        for key in [k for k in self._missing if k.host == host and k.series in names]:
            del self._missing[key]
        for key in [k for k in self._windows if k.host == host and k.series not in names]:
            del self._windows[key]

    def _end_vanished(self, host: str, now: float, events: list[AlertEvent]) -> None:
        """Ends the alerts of series ``host`` has not reported for ``VANISHED_GRACE_S`` (a
        container that went away, a disk unmounted; not a collector failing a tick): a firing
        one is resolved, a pending one cancelled."""
        for key, since in list(self._missing.items()):
            if key.host != host or now - since < VANISHED_GRACE_S:
                continue
            del self._missing[key]
            alert, rule = self.alerts.pop(key, None), self.rule_set.by_name(key.rule)
            if alert is None or rule is None:
                continue
            kind = "resolved" if alert.status == "firing" else "cancelled"
            alert.status = "inactive"
            events.append(self._event(alert, rule, kind, now, alert.value))

    def check_absent(self, last_seen: Mapping[str, float], now: float) -> list[AlertEvent]:
        """Fires (and resolves) ``absent`` rules from each host's newest sample time."""
        events: list[AlertEvent] = []
        for host, seen in last_seen.items():
            for rule in self._absent:
                if host_matches(rule.hosts, host):
                    silent = max(0.0, now - seen)
                    self._step(rule, AlertKey(rule.name, host, ""), silent, now, events)
        by_host: dict[str, list[AlertEvent]] = {}
        for event in events:
            by_host.setdefault(event.host, []).append(event)
        return [e for host, group in by_host.items() for e in self._finish(group, host, now)]

    def _step(
        self, rule: Rule, key: AlertKey, value: float, now: float, events: list[AlertEvent]
    ) -> None:
        alert = self.alerts.get(key)
        if alert is None:
            if _level(rule, value) is None:
                return  # the common case: nothing wrong, nothing kept
            alert = self.alerts[key] = Alert(key)
        state_rule, state_value = rule, value
        if rule.absent:
            state_rule, state_value = _as_threshold_rule(rule), _absent_value(rule, value)
        for kind in advance(alert, state_rule, state_value, now):
            events.append(self._event(alert, rule, kind, now, value))
        if alert.status == "inactive":
            del self.alerts[key]

    def _event(self, alert: Alert, rule: Rule, kind: str, now: float, value: float) -> AlertEvent:
        threshold = rule.absent if rule.absent else alert.threshold
        since = alert.pending_since
        return AlertEvent(
            now, kind, rule.name, alert.key.host, alert.key.series, alert.severity, value,
            threshold, since, dict(rule.labels), sent_before=alert.notified_at is not None,
        )  # fmt: skip

    def _finish(
        self, events: list[AlertEvent], host: str, now: float, sample: dict | None = None
    ) -> list[AlertEvent]:
        """Adds repeats, evidence and the notification decision to a host's events."""
        for alert in self.alerts.values():
            if alert.key.host != host:
                continue
            rule = self.rule_set.by_name(alert.key.rule)
            if rule is None or not repeat_due(alert, rule, now):
                continue
            just_fired = any(e.key == alert.key and e.kind == "firing" for e in events)
            if not just_fired and not self._mute_reason(alert.key, now):
                events.append(self._event(alert, rule, "repeated", now, alert.value))
        for event in events:
            self._decide(event, now, sample)
        return events

    def _decide(self, event: AlertEvent, now: float, sample: dict | None) -> None:
        alert = self.alerts.get(event.key)
        wanted = event.kind in NOTIFIED_KINDS or (event.kind == "resolved" and event.sent_before)
        if not wanted:
            return
        event.muted = self._mute_reason(event.key, now)
        if event.kind in NOTIFIED_KINDS and alert is not None and event.muted:
            return  # stays unsent: sent once the mute is over (``repeat_due``)
        event.notify = not event.muted
        if alert is not None and event.notify:
            alert.notified_at = now
        others = sorted(
            {a.key.rule for a in self.alerts.values()
             if a.key.host == event.host and a.status == "firing" and a.key.rule != event.rule}
        )  # fmt: skip
        start = event.since if event.since is not None else now
        link = history_link(
            self.public_url, event.host, start - LINK_MARGIN, now + LINK_MARGIN, event.series
        )
        event.evidence = describe(
            kind=event.kind, rule=event.rule, host=event.host, series=event.series,
            severity=event.severity, value=event.value, threshold=event.threshold,
            since=event.since, now=now, sample=sample, others=others, link=link,
        )  # fmt: skip

    def _mute_reason(self, key: AlertKey, now: float) -> str:
        """Why notifications of ``key`` are held back now ("" when they are not)."""
        if self.before_mute_check is not None:
            self.before_mute_check()
        silence = silenced_by(self.silences, key.rule, key.host, key.series, now)
        if silence is not None:
            return f"silence #{silence.id}"
        return "quiet hours" if in_quiet_hours(self.rule_set.quiet_hours, now) else ""

    def acknowledge(self, key: AlertKey, by: str, note: str, at: float) -> AlertEvent | None:
        """Marks a firing alert acknowledged (no more repeats); the event, or None."""
        alert = self.alerts.get(key)
        if alert is None or alert.status != "firing":
            return None
        alert.acked_by, alert.acked_at, alert.ack_note = by, at, note
        return AlertEvent(
            at, "acknowledged", key.rule, key.host, key.series, alert.severity,
            alert.value, alert.threshold, alert.firing_since, evidence=note,
        )  # fmt: skip

    def restore(self, alerts: list[Alert]) -> None:
        """Takes over alerts that were pending or firing (from storage, after a restart or on
        becoming a host's evaluator), so nothing already sent is sent again."""
        for alert in alerts:
            if self.rule_set.by_name(alert.key.rule) is not None:
                self.alerts[alert.key] = alert


def _level(rule: Rule, value: float) -> str | None:
    if rule.absent:
        if value < rule.absent:
            return None
        return "critical" if rule.crit is not None else "warning"
    return rule.level(value) if math.isfinite(value) else None


def _absent_value(rule: Rule, silent: float) -> float:
    """An absent rule as a threshold rule: 1 while silent for ``absent`` seconds, else 0."""
    return 1.0 if silent >= rule.absent else 0.0


@lru_cache(maxsize=256)
def _as_threshold_rule(rule: Rule) -> Rule:
    """An absent rule as a threshold rule over 0/1 (``_absent_value``)."""
    if not rule.absent:
        return rule
    thresholds = {"warn": None, "crit": 0.5} if rule.crit is not None else {"warn": 0.5}
    return replace(rule, clear=0.5, **thresholds)
