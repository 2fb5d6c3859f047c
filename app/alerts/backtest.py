"""Trying a rule against the past: how often it would have fired, when and for how long.

The stored raw samples are replayed through a fresh evaluator at their own times, so the
answer is exactly what live evaluation would have done on the same values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.alerts.evaluator import Evaluator
from app.alerts.matching import SeriesMatcher
from app.alerts.rules import Rule, RuleSet


@dataclass(frozen=True)
class Firing:
    """One period a rule would have fired on one series."""

    series: str
    start: float
    end: float | None  # None: still firing at the end of the range
    severity: str | None


def matching_series(rule: Rule, names: Sequence[str]) -> list[str]:
    """The stored series a rule watches."""
    return list(SeriesMatcher([rule.series]).expand("", tuple(names))[rule.series])


def replay(
    rule: Rule, host: str, times: Sequence[float], columns: Mapping[str, Sequence[float]],
    cores: int = 1,
) -> list[Firing]:  # fmt: skip
    """Every firing of ``rule`` over these values (one column per series, NaN where missing).

    Hot loop: one evaluator step per stored value (a week at 1 Hz is 604,800 of them)."""
    evaluator = Evaluator(RuleSet((rule,)))
    firings: list[Firing] = []
    open_: dict[str, tuple[float, str | None]] = {}
    names = list(columns)
    for i, ts in enumerate(times):
        flat = {n: float(columns[n][i]) for n in names if not math.isnan(columns[n][i])}
        for event in evaluator.observe_flat(host, float(ts), flat, cores):
            if event.kind == "firing":
                open_[event.series] = (event.ts, event.severity)
            elif event.kind == "escalated" and event.series in open_:
                open_[event.series] = (open_[event.series][0], event.severity)
            elif event.kind == "resolved" and event.series in open_:
                start, severity = open_.pop(event.series)
                firings.append(Firing(event.series, start, event.ts, severity))
    firings += [Firing(s, start, None, sev) for s, (start, sev) in open_.items()]
    return sorted(firings, key=lambda f: (f.start, f.series))
