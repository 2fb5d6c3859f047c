"""What the alerts add to a history chart: the rules' warning and critical thresholds as dashed
lines and the stored alert periods as shaded bands, for the drawn series that have rules.

Pure functions: rules and stored events in, Plotly shape dicts out. Per-core rules (a value
divided by the host's cores) are left out: their threshold is not on the drawn series' scale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.alerts.matching import SeriesMatcher
from app.alerts.rules import Rule
from app.pages.history.timezones import epoch_to_local

SEVERITY_COLORS = {"warning": "#d97706", "critical": "#dc2626"}
BAND_ALPHA = {"warning": 0.14, "critical": 0.18}


@dataclass(frozen=True)
class Threshold:
    series: str
    severity: str
    value: float
    rule: str


@dataclass(frozen=True)
class Period:
    """One stretch of time an alert fired on one series (end None: still firing)."""

    series: str
    start: float
    end: float | None
    severity: str


def thresholds(rules: Iterable[Rule], names: Sequence[str]) -> list[Threshold]:
    """The warning and critical thresholds of every rule watching one of ``names``."""
    rules = [r for r in rules if r.series and not r.absent and not r.per_core]
    expanded = SeriesMatcher(r.series for r in rules).expand("", tuple(names))
    found = []
    for rule in rules:
        for name in expanded[rule.series]:
            for severity, value in (("warning", rule.warn), ("critical", rule.crit)):
                if value is not None:
                    found.append(Threshold(name, severity, float(value), rule.name))
    return found


def periods(events: Iterable[dict[str, Any]], names: Sequence[str]) -> list[Period]:
    """Firing periods of the drawn series, from events oldest first (firing opens one,
    escalated raises its severity, resolved or cancelled closes it)."""
    wanted, open_, found = set(names), {}, []
    for event in events:
        key, kind = (event["rule"], event["series"]), event["kind"]
        if event["series"] not in wanted:
            continue
        if kind == "firing":
            open_[key] = (event["ts"], event["severity"] or "warning")
        elif kind == "escalated" and key in open_:
            open_[key] = (open_[key][0], event["severity"] or "critical")
        elif kind in ("resolved", "cancelled") and key in open_:
            start, severity = open_.pop(key)
            found.append(Period(key[1], start, event["ts"], severity))
    found += [Period(series, start, None, sev) for (_, series), (start, sev) in open_.items()]
    return sorted(found, key=lambda p: p.start)


# A series' y-axis and the divisor of its drawn values (axes.AxisPlan: "y2", 1024.0).
Placement = Callable[[str], tuple[str, float]]


def threshold_shapes(
    found: Iterable[Threshold], place: Placement = lambda _series: ("y", 1.0)
) -> list[dict[str, Any]]:
    """A dashed horizontal line across the chart per threshold, on its series' axis."""
    shapes = []
    for t in found:
        ref, factor = place(t.series)
        shapes.append(
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": ref,
             "y0": t.value / factor, "y1": t.value / factor,
             "name": f"{t.rule} {t.severity} {t.value:g} ({t.series})",
             "line": {"color": SEVERITY_COLORS[t.severity], "width": 1.5, "dash": "dash"}}
        )  # fmt: skip
    return shapes


def band_shapes(found: Iterable[Period], end: float, tz: str | None) -> list[dict[str, Any]]:
    """A shaded band over the full height per alert period (open ones run to ``end``)."""
    shapes = []
    for p in found:
        red, green, blue = (int(SEVERITY_COLORS[p.severity][i : i + 2], 16) for i in (1, 3, 5))
        shapes.append(
            {"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1,
             "x0": epoch_to_local(p.start, tz), "x1": epoch_to_local(p.end or end, tz),
             "name": f"alert {p.severity} {p.series}", "layer": "below", "line": {"width": 0},
             "fillcolor": f"rgba({red},{green},{blue},{BAND_ALPHA[p.severity]})"}
        )  # fmt: skip
    return shapes
