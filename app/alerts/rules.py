"""Alert rules: the TOML rule file (``MONITOR_ALERTS_FILE``), checked whole before anything runs.

A file adds rules to the defaults (``defaults``); a file rule with a default's name replaces it,
``enabled = false`` turns one off, and ``defaults = false`` at the top turns them all off. Any
problem is one ``RuleError`` line naming the rule, the key and what is wrong.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from app.config import ConfigError
from storage.timeparse import parse_duration

STATS = ("avg", "max", "min", "last")
OPS = (">", "<")
SEVERITIES = ("warning", "critical")
RULE_KEYS = {
    "name", "series", "hosts", "stat", "window", "op", "warn", "crit", "for", "clear",
    "keep_firing_for", "repeat", "labels", "enabled", "per_core", "absent", "description",
}  # fmt: skip
DEFAULT_REPEAT = 4 * 3600.0


class RuleError(ConfigError):
    """A rule file that cannot be used; the message is one line naming rule, key and problem."""


@dataclass(frozen=True, eq=False)
class Rule:
    """One rule. ``absent`` rules fire when a host sends nothing for ``absent`` seconds."""

    name: str
    series: str = ""
    hosts: str = "*"
    stat: str = "last"
    window: float = 0.0
    op: str = ">"
    warn: float | None = None
    crit: float | None = None
    for_: float = 0.0
    clear: float | None = None
    keep_firing_for: float = 0.0
    repeat: float = DEFAULT_REPEAT
    labels: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    per_core: bool = False
    absent: float = 0.0
    description: str = ""

    def beyond(self, value: float, threshold: float) -> bool:
        """Whether ``value`` is past ``threshold`` in this rule's direction."""
        return value > threshold if self.op == ">" else value < threshold

    def level(self, value: float) -> str | None:
        """ "critical", "warning" or None for a statistic's value."""
        if self.crit is not None and self.beyond(value, self.crit):
            return "critical"
        if self.warn is not None and self.beyond(value, self.warn):
            return "warning"
        return None

    @property
    def quiet_limit(self) -> float:
        """The value past which some level begins, as a rule ``>`` would see it: a statistic
        ``v`` has no level exactly when ``sign * v <= quiet_limit`` (or is NaN), where sign is
        1 for ``>`` and -1 for ``<`` (``quiet_sign``)."""
        levels = [t for t in (self.warn, self.crit) if t is not None]
        if not levels:
            return math.inf
        return min(levels) if self.op == ">" else -max(levels)

    @property
    def quiet_sign(self) -> float:
        return 1.0 if self.op == ">" else -1.0

    def holds(self, value: float) -> bool:
        """Whether a firing alert stays active: still past ``clear`` (hysteresis)."""
        return self.beyond(value, self.clear_at)

    @property
    def clear_at(self) -> float:
        """The value past which a firing alert stays: ``clear``, else the lowest threshold."""
        if self.clear is not None:
            return self.clear
        return self.warn if self.warn is not None else float(self.crit or 0.0)

    def threshold(self, severity: str | None) -> float | None:
        return self.crit if severity == "critical" else self.warn

    def public(self) -> dict[str, Any]:
        """The rule as JSON for the API (rules hold no secrets)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "for_"}
        out["for"] = self.for_
        return out


@dataclass(frozen=True)
class Route:
    """Where notifications go: Apprise URLs, optionally only for one severity or some labels."""

    urls: tuple[str, ...] = field(repr=False)
    severity: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def accepts(self, severity: str, labels: dict[str, str]) -> bool:
        if self.severity is not None and severity != self.severity:
            return False
        return all(labels.get(k) == v for k, v in self.labels.items())


@dataclass(frozen=True)
class QuietHours:
    """A daily span of local time ("22:00" to "07:00") in which no notification is sent."""

    start: str
    end: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class RuleSet:
    """The rules in force, where notifications go, and quiet hours."""

    rules: tuple[Rule, ...]
    routes: tuple[Route, ...] = ()
    quiet_hours: QuietHours | None = None
    group_wait: float = 10.0

    def by_name(self, name: str) -> Rule | None:
        """The rule called ``name``, or None (a dict lookup: the evaluator asks every tick)."""
        return self._named.get(name)

    @cached_property
    def _named(self) -> dict[str, Rule]:
        return {rule.name: rule for rule in reversed(self.rules)}  # the first of a name wins


def load_rules(path: str | Path | None, notify_urls: str = "") -> RuleSet:
    """The rule set of ``path`` (None or "": the defaults), plus ``notify_urls`` for all."""
    from app.alerts.defaults import DEFAULT_RULES

    data: dict[str, Any] = {}
    where = "alerts"
    if path:
        where = f"alerts file {path}"
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RuleError(f"{where}: cannot read it: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"{where}: not valid TOML: {exc}") from None
    return parse_rule_set(data, DEFAULT_RULES, notify_urls, where)


def parse_rule_set(
    data: dict[str, Any], defaults: tuple[Rule, ...], notify_urls: str = "", where: str = "alerts"
) -> RuleSet:
    """Checks a decoded rule file whole; raises RuleError on the first problem."""
    unknown = set(data) - {"rule", "defaults", "notify", "quiet_hours", "group_wait"}
    if unknown:
        raise RuleError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    use_defaults = _typed(data.get("defaults", True), bool, where, "defaults")
    rules = {r.name: r for r in defaults} if use_defaults else {}
    file_rules = data.get("rule", [])
    if not isinstance(file_rules, list):
        raise RuleError(f"{where}: key 'rule' must be [[rule]] tables")
    seen: set[str] = set()
    for position, table in enumerate(file_rules, 1):
        rule = parse_rule(table, f"{where}: rule #{position}")
        if rule.name in seen:
            raise RuleError(f"{where}: rule {rule.name!r}: key 'name': defined twice")
        seen.add(rule.name)
        rules[rule.name] = rule
    routes = [Route(tuple(notify_urls.split()))] if notify_urls.strip() else []
    routes += [_route(t, f"{where}: notify #{i}") for i, t in enumerate(data.get("notify", []), 1)]
    group_wait = _seconds(data.get("group_wait", 10), where, "group_wait")
    return RuleSet(
        tuple(r for r in rules.values() if r.enabled),
        tuple(routes),
        _quiet_hours(data.get("quiet_hours"), where),
        group_wait,
    )


def parse_rule(table: Any, where: str) -> Rule:
    """One ``[[rule]]`` table as a Rule."""
    if not isinstance(table, dict):
        raise RuleError(f"{where}: must be a table")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RuleError(f"{where}: key 'name': missing (every rule needs a name)")
    where = f"{where.rsplit(': rule #', 1)[0]}: rule {name!r}"
    unknown = set(table) - RULE_KEYS
    if unknown:
        raise RuleError(f"{where}: key {sorted(unknown)[0]!r}: unknown key")
    values: dict[str, Any] = {"name": name}
    for key in ("window", "for", "keep_firing_for", "repeat", "absent"):
        if key in table:
            values["for_" if key == "for" else key] = _seconds(table[key], where, key)
    for key in ("warn", "crit", "clear"):
        if key in table:
            values[key] = _number(table[key], where, key)
    for key, kind in (("series", str), ("hosts", str), ("description", str),
                      ("enabled", bool), ("per_core", bool)):  # fmt: skip
        if key in table:
            values[key] = _typed(table[key], kind, where, key)
    values["stat"] = _choice(table.get("stat", "last"), STATS, where, "stat")
    values["op"] = _choice(table.get("op", ">"), OPS, where, "op")
    values["labels"] = _labels(table.get("labels", {}), where)
    return _checked(Rule(**values), where)


def _checked(rule: Rule, where: str) -> Rule:
    if rule.absent or not rule.enabled:
        return rule
    if not rule.series:
        raise RuleError(f"{where}: key 'series': missing (or give 'absent' for a silent host)")
    if rule.warn is None and rule.crit is None:
        raise RuleError(f"{where}: key 'warn': missing (give warn, crit or both)")
    if rule.warn is not None and rule.crit is not None and rule.beyond(rule.warn, rule.crit):
        raise RuleError(f"{where}: key 'crit': must be past warn in the direction of op")
    low = rule.warn if rule.warn is not None else rule.crit
    if rule.clear is not None and rule.beyond(rule.clear, low):
        raise RuleError(f"{where}: key 'clear': must not be past the threshold {low:g}")
    return rule


def _typed(value: Any, kind: type, where: str, key: str) -> Any:
    if not isinstance(value, kind):
        raise RuleError(f"{where}: key {key!r}: must be a {kind.__name__}, got {value!r}")
    return value


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleError(f"{where}: key {key!r}: must be a number, got {value!r}")
    return float(value)


def _seconds(value: Any, where: str, key: str) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return parse_duration(value)
    except (TypeError, ValueError):
        problem = f"must be a duration like 30s or 5m, got {value!r}"
        raise RuleError(f"{where}: key {key!r}: {problem}") from None


def _choice(value: Any, choices: tuple[str, ...], where: str, key: str) -> str:
    if value not in choices:
        raise RuleError(f"{where}: key {key!r}: must be one of {', '.join(choices)}, got {value!r}")
    return value


def _labels(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise RuleError(f"{where}: key 'labels': must be a table of strings")
    return dict(value)


def _route(table: Any, where: str) -> Route:
    if not isinstance(table, dict) or set(table) - {"urls", "severity", "labels"}:
        raise RuleError(f"{where}: must be a table of urls, severity and labels")
    urls = table.get("urls")
    if isinstance(urls, str):
        urls = urls.split()
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise RuleError(f"{where}: key 'urls': must be a list of Apprise URLs")
    severity = table.get("severity")
    if severity is not None:
        _choice(severity, SEVERITIES, where, "severity")
    return Route(tuple(urls), severity, _labels(table.get("labels", {}), where))


def _quiet_hours(table: Any, where: str) -> QuietHours | None:
    if table is None:
        return None
    from app.alerts.quiet import check_quiet_hours

    where = f"{where}: quiet_hours"
    if not isinstance(table, dict) or set(table) - {"start", "end", "timezone"}:
        raise RuleError(f"{where}: must be a table of start, end and timezone")
    hours = QuietHours(str(table.get("start", "")), str(table.get("end", "")),
                       str(table.get("timezone", "UTC")))  # fmt: skip
    problem = check_quiet_hours(hours)
    if problem:
        raise RuleError(f"{where}: {problem}")
    return hours
