"""Pure figure builders and the line that labels a view: a HistoryView in, Plotly out.

A range holding more points than a screen shows comes resampled: it is drawn as the bucket mean
with a min-max band. Samples missing for over three steps break the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from app.pages.history.timezones import epoch_to_local, local_times
from storage.history import HistoryView

SOURCE_LABELS = {"raw": "raw samples", "1m": "1-minute rollups", "1h": "1-hour rollups"}


def empty_figure(message: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        template="plotly_white",
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 16}}],
        margin={"l": 40, "r": 20, "t": 20, "b": 40},
    )
    return figure


def _with_gaps(ts: np.ndarray, step_ms: float, *columns: np.ndarray) -> list[np.ndarray]:
    """Inserts a NaN point where samples are missing for over 3 steps, so lines break there."""
    if ts.size < 2:
        return [ts.astype(np.int64), *columns]
    breaks = np.flatnonzero(np.diff(ts) > 3 * step_ms) + 1
    if breaks.size == 0:
        return [ts, *columns]
    gap_ts = ts[breaks - 1] + 1
    return [np.insert(ts, breaks, gap_ts), *(np.insert(c, breaks, np.nan) for c in columns)]


def _step_ms(view: HistoryView) -> float:
    """The distance between points: the bucket width, else the median sample interval."""
    if view.width_ms:
        return float(view.width_ms)
    return float(np.median(np.diff(view.data.ts))) if len(view.data) > 1 else 1000.0


def _series_traces(
    view: HistoryView, i: int, color: str, step: float, tz: str | None
) -> list[go.Scatter]:
    """Series ``i`` of ``view``: its max and min band (when resampled), then its mean line."""
    data, name = view.data, view.data.names[i]
    ts, mean, low, high = _with_gaps(data.ts, step, data.mean[:, i], data.min[:, i], data.max[:, i])
    x = local_times(ts, tz)
    traces = []
    hover, custom = "%{y:.4g}", None
    if view.width_ms:
        band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip"}
        traces.append(go.Scatter(x=x, y=high, legendgroup=name, showlegend=False, **band))
        traces.append(
            go.Scatter(
                x=x,
                y=low,
                legendgroup=name,
                showlegend=False,
                fill="tonexty",
                fillcolor=_transparent(color),
                **band,
            )
        )
        hover = "%{y:.4g} (min %{customdata[0]:.4g}, max %{customdata[1]:.4g})"
        custom = np.stack([low, high], axis=1)
    mean_line = go.Scatter(
        x=x,
        y=mean,
        name=name,
        legendgroup=name,
        mode="lines",
        line={"color": color, "width": 1.5},
        customdata=custom,
        hovertemplate=hover + f"<extra>{name}</extra>",
    )
    return [*traces, mean_line]


def build_figure(
    view: HistoryView, tz: str | None, shapes: Sequence[dict[str, Any]] = ()
) -> go.Figure:
    """Mean lines with min-max bands (when resampled) of every series of ``view``, and
    ``shapes`` (alert thresholds and periods, ``alert_marks``)."""
    if len(view.data) == 0:
        return empty_figure("No data stored in this range")
    step = _step_ms(view)
    colors = qualitative.Plotly
    figure = go.Figure()
    for i in range(len(view.data.names)):
        figure.add_traces(_series_traces(view, i, colors[i % len(colors)], step, tz))
    figure.update_layout(
        template="plotly_white",
        hovermode="x",
        margin={"l": 50, "r": 20, "t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        xaxis={
            "range": [epoch_to_local(view.start, tz), epoch_to_local(view.end, tz)],
            "title": {"text": f"time ({tz or 'UTC'})"},
        },
        dragmode="zoom",
        shapes=list(shapes),
    )
    return figure


def _transparent(hex_color: str, alpha: float = 0.22) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def describe(view: HistoryView, tz: str | None) -> str:
    """One line naming the range, the source tier and the bucket width."""
    span = f"{epoch_to_local(view.start, tz)} – {epoch_to_local(view.end, tz)} ({tz or 'UTC'})"
    source = SOURCE_LABELS[view.source.name]
    if view.width_ms and view.width_ms != view.source.width_ms:
        source += f", resampled to {_seconds_label(view.width_ms / 1000)} min/mean/max buckets"
    elif view.width_ms:
        source += " (min/mean/max)"
    return f"{span} · {source} · {len(view.data):,} points"


def _seconds_label(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:g} s"
