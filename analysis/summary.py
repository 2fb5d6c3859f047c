"""Summary statistics of series over a range, and their distribution.

On raw samples every figure is exact: min, mean, the 50th, 95th and 99th percentiles (linear
interpolation, as numpy's default), max and the time of the max. On rollup buckets the count,
min, mean and max (and its bucket) are still exact, since buckets keep them; the percentiles
are the count-weighted percentiles of the bucket means, so they are marked approximate (a
one-second spike is in a bucket's max but averaged in its mean).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from storage.aggregates import Aggregates

PERCENTILES = (50.0, 95.0, 99.0)


@dataclass(frozen=True)
class SeriesSummary:
    """One series over a range; numbers are None where it has no value there."""

    series: str
    count: int  # values behind the figures (samples)
    min: float | None
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    max_at: float | None  # epoch seconds of the max (a bucket's start on rollups)
    exact: bool  # False: the percentiles come from rollup bucket means

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def weighted_percentiles(
    values: np.ndarray, weights: np.ndarray, percentiles: tuple[float, ...]
) -> list[float]:
    """Percentiles of ``values`` each counted ``weights`` times (interpolated between the
    midpoints of the cumulative weights, which gives numpy's answer for weights of 1)."""
    order = np.argsort(values, kind="stable")
    ordered, w = values[order], weights[order]
    cumulative = np.cumsum(w)
    total = cumulative[-1]
    # Position of each value in a sorted list of ``total`` items: from the first copy's rank to
    # the last one's; numpy's linear percentile sits at rank p/100 * (total - 1).
    first = cumulative - w
    last = cumulative - 1
    out = []
    for p in percentiles:
        rank = p / 100 * (total - 1)
        i = int(np.searchsorted(last, rank, side="left"))
        if rank >= first[i] or i == 0:
            out.append(float(ordered[i]))
        else:  # between the last copy of value i-1 and the first of value i
            span = first[i] - last[i - 1]
            share = (rank - last[i - 1]) / span
            out.append(float(ordered[i - 1] + share * (ordered[i] - ordered[i - 1])))
    return out


def summarize(data: Aggregates) -> list[SeriesSummary]:
    """A summary of each series of ``data`` (raw samples or rollup buckets)."""
    exact = data.width_ms == 0
    out = []
    for column, name in enumerate(data.names):
        count = data.count[:, column]
        held = count > 0
        total = int(count[held].sum())
        if not total:
            out.append(SeriesSummary(name, 0, *([None] * 7), exact))  # type: ignore[arg-type]
            continue
        means, weights = data.mean[held, column], count[held]
        highs = data.max[held, column]
        top = int(np.argmax(highs))
        if exact:
            figures = [float(v) for v in np.percentile(means, PERCENTILES)]
        else:
            figures = weighted_percentiles(means, weights, PERCENTILES)
        out.append(
            SeriesSummary(
                name,
                total,
                _float(np.min(data.min[held, column])),
                _float(np.sum(means * weights) / total),
                *figures,
                _float(highs[top]),
                float(data.ts[held][top]) / 1000,
                exact,
            )
        )
    return out


def histogram(data: Aggregates, column: int, bins: int = 30) -> dict[str, list[float]]:
    """The distribution of one series: ``bins`` equal-width bins between its min and max,
    counting samples (a bucket's samples all fall in the bin of its mean on rollups)."""
    count = data.count[:, column]
    held = count > 0
    if not held.any():
        return {"edges": [], "counts": []}
    values, weights = data.mean[held, column], count[held]
    low, high = float(np.min(data.min[held, column])), float(np.max(data.max[held, column]))
    if low == high:
        high = low + 1.0
    counts, edges = np.histogram(values, bins=bins, range=(low, high), weights=weights)
    return {"edges": [float(e) for e in edges], "counts": [float(c) for c in counts]}


def difference(now: SeriesSummary, before: SeriesSummary) -> dict[str, float | None]:
    """This period's figures less the earlier period's (None where either has none)."""
    out: dict[str, float | None] = {}
    for key in ("min", "mean", "p50", "p95", "p99", "max"):
        a, b = getattr(now, key), getattr(before, key)
        out[key] = None if a is None or b is None else a - b
    return out


def _float(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
