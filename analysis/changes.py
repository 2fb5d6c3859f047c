"""Which series changed most in a window, against the baseline before it.

The score is robust, like Netdata's metric correlations but without a model: the shift of the
median from the baseline to the window, over the baseline's spread (1.4826 × its median
absolute deviation, the standard deviation of normal noise). A spread of zero (a series flat
all baseline) is floored at 1 % of the larger median, or 1e-9, so a step in a flat series
still ranks and a series flat in both scores 0. Series with fewer than ``MIN_VALUES`` values in
either part are left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from storage.aggregates import Aggregates

MIN_VALUES = 3
SPARK_POINTS = 60
MAD_TO_SIGMA = 1.4826
MIN_BASELINE_S, MAX_BASELINE_S = 600.0, 30 * 86400.0  # the baselines a request may ask for


def default_baseline_s(window_s: float) -> float:
    """The baseline a window is measured against when none is asked for: four windows, between
    10 minutes and 30 days."""
    return min(max(4 * window_s, MIN_BASELINE_S), MAX_BASELINE_S)


@dataclass(frozen=True)
class Change:
    """One series' shift in the window."""

    series: str
    score: float  # |window median - baseline median| / baseline spread
    baseline_median: float
    window_median: float
    shift: float  # window median - baseline median
    spark: list[tuple[float, float | None]]  # (epoch s, mean) over baseline and window

    def as_json(self) -> dict[str, object]:
        return asdict(self) | {"spark": [list(point) for point in self.spark]}


def rank_changes(data: Aggregates, window_start_ms: int, limit: int = 20) -> list[Change]:
    """The ``limit`` series of ``data`` that changed most from before ``window_start_ms`` (the
    baseline) to after it (the window), highest score first; ties by name."""
    in_window = data.ts >= window_start_ms
    spark_width = _spark_width(data)
    found = []
    for column, name in enumerate(data.names):
        held = data.count[:, column] > 0
        before = data.mean[held & ~in_window, column]
        after = data.mean[held & in_window, column]
        if before.size < MIN_VALUES or after.size < MIN_VALUES:
            continue
        base, now = float(np.median(before)), float(np.median(after))
        spread = MAD_TO_SIGMA * float(np.median(np.abs(before - base)))
        spread = max(spread, 0.01 * max(abs(base), abs(now)), 1e-9)
        shift = now - base
        found.append((abs(shift) / spread, name, column, base, now, shift))
    found.sort(key=lambda item: (-item[0], item[1]))
    return [
        Change(name, round(score, 3), base, now, shift, _spark(data, column, spark_width))
        for score, name, column, base, now, shift in found[:limit]
    ]


def _spark_width(data: Aggregates) -> int:
    if len(data) < 2:
        return 0
    span = int(data.ts[-1] - data.ts[0])
    return max(data.width_ms, -(-span // SPARK_POINTS))


def _spark(data: Aggregates, column: int, width: int) -> list[tuple[float, float | None]]:
    """At most about ``SPARK_POINTS`` bucket means of one series."""
    series = data.select([data.names[column]])
    if width > data.width_ms:
        series = series.bucket(width)
    return [
        (float(t) / 1000, None if v != v else float(v))
        for t, v in zip(series.ts.tolist(), series.mean[:, 0].tolist(), strict=True)
    ]
