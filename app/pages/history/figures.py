"""Pure figure builders and the line that labels a view: a HistoryView in, Plotly out.

A range holding more points than a screen shows comes resampled: it is drawn as the bucket mean
with a min-max band. Samples missing for over three steps break the line; a range of few points
(or a point alone between gaps) draws markers. Each series is named by its label from the metric
catalogue and drawn on the y-axis of its unit (``axes``). The figure carries no colours of its
own: the browser gives it the page theme's (assets/history.js), each trace's ``meta.series``
naming its series colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from app.pages.history.axes import Axis, AxisPlan, plan_axes
from app.pages.history.timezones import epoch_to_local, local_times
from collectors.catalog import describe as describe_series
from storage.history import HistoryView

SOURCE_LABELS = {"raw": "raw samples", "1m": "1-minute rollups", "1h": "1-hour rollups"}
SPARSE_POINTS = 60  # a series with at most this many points draws a marker on each
MARKER_PX = 6
NO_TEMPLATE: dict[str, Any] = {"layout": {}}  # the browser adds the theme's (history.js)


def empty_figure(message: str) -> dict[str, Any]:
    """A figure of no data that says ``message``: a plain dict, so that laying out the page
    (and the Dash request guard reading every page's components) never loads Plotly's
    figure classes and their validators (about 20 MiB of a worker)."""
    layout = {
        "template": NO_TEMPLATE,
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "annotations": [{"text": message, "showarrow": False, "font": {"size": 16}}],
        "margin": {"l": 40, "r": 20, "t": 20, "b": 40},
    }
    return {"data": [], "layout": layout}


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


def magnitudes(view: HistoryView) -> dict[str, float]:
    """The largest absolute value of each series of ``view`` (0 when it has none)."""
    data, out = view.data, {}
    for i, name in enumerate(data.names):
        column = np.abs(np.concatenate([data.max[:, i], data.min[:, i]]))
        finite = column[np.isfinite(column)]
        out[name] = float(finite.max()) if finite.size else 0.0
    return out


def _markers(y: np.ndarray) -> dict[str, Any]:
    """Markers where a line alone would hide points: on every point of a sparse series, else
    on each point with no neighbour (alone between two gaps)."""
    known = np.isfinite(y)
    if known.sum() <= SPARSE_POINTS:
        return {"mode": "lines+markers", "marker": {"size": MARKER_PX}}
    before = np.concatenate([[False], known[:-1]])
    after = np.concatenate([known[1:], [False]])
    alone = known & ~before & ~after
    if not alone.any():
        return {"mode": "lines"}
    return {"mode": "lines+markers", "marker": {"size": np.where(alone, MARKER_PX, 0)}}


def _series_traces(view: HistoryView, i: int, axis: Axis, step: float, tz: str | None) -> list:
    """Series ``i`` of ``view`` on ``axis``: its max and min band (when resampled), then its
    mean line, labelled and hovered with its unit."""
    data, name = view.data, view.data.names[i]
    label = describe_series(name).label
    columns = (data.mean[:, i], data.min[:, i], data.max[:, i])
    ts, mean, low, high = _with_gaps(data.ts, step, *(c / axis.factor for c in columns))
    x, unit = local_times(ts, tz), f" {axis.symbol}" if axis.symbol else ""
    shared = {"legendgroup": name, "yaxis": axis.ref, "meta": {"series": i, "name": name}}
    traces = []
    value = f"%{{y:{axis.hover_format}}}{unit}"
    hover, custom = value, None
    if view.width_ms:
        band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False}
        traces.append(go.Scatter(x=x, y=high, **band, **shared))
        traces.append(go.Scatter(x=x, y=low, fill="tonexty", **band, **shared))
        fmt = axis.hover_format
        hover = f"{value} (min %{{customdata[0]:{fmt}}}, max %{{customdata[1]:{fmt}}}){unit}"
        custom = np.stack([low, high], axis=1)
    mean_line = go.Scatter(
        x=x,
        y=mean,
        name=label,
        line={"width": 1.5},
        customdata=custom,
        hovertemplate=hover + f"<extra>{label}</extra>",
        **_markers(mean),
        **shared,
    )
    return [*traces, mean_line]


def shifted_traces(
    earlier: HistoryView, names: Sequence[str], plan: AxisPlan, tz: str | None, shift_s: float,
    suffix: str,
) -> list[go.Scatter]:  # fmt: skip
    """The mean line of each series of ``earlier`` (the same range ``shift_s`` seconds before),
    moved ``shift_s`` later onto the view, dashed, on its series' axis and in its colour
    (``meta.series``: its index in ``names``, the view's series), named "label (suffix)"."""
    data, step = earlier.data, _step_ms(earlier)
    traces = []
    for i, name in enumerate(data.names):
        axis = plan.axis_of(name)
        ts, mean = _with_gaps(data.ts + round(shift_s * 1000), step, data.mean[:, i] / axis.factor)
        label = f"{describe_series(name).label} ({suffix})"
        unit = f" {axis.symbol}" if axis.symbol else ""
        traces.append(
            go.Scatter(
                x=local_times(ts, tz), y=mean, name=label, mode="lines", yaxis=axis.ref,
                line={"width": 1.2, "dash": "dash"}, legendgroup=f"{name} ({suffix})",
                meta={"series": list(names).index(name), "name": name, "shift_s": shift_s},
                hovertemplate=f"%{{y:{axis.hover_format}}}{unit}<extra>{label}</extra>",
            )
        )  # fmt: skip
    return traces


def build_figure(
    view: HistoryView,
    tz: str | None,
    shapes: Sequence[dict[str, Any]] = (),
    plan: AxisPlan | None = None,
) -> go.Figure | dict[str, Any]:
    """Mean lines with min-max bands (when resampled) of every series of ``view``, each on
    the axis of its unit (``plan``, by default from the view), and ``shapes`` (alert
    thresholds and periods, ``alert_marks``)."""
    if len(view.data) == 0:
        return empty_figure("No data stored in this range")
    plan = plan or plan_axes(view.data.names, magnitudes(view))
    step = _step_ms(view)
    figure = go.Figure()
    for i, name in enumerate(view.data.names):
        figure.add_traces(_series_traces(view, i, plan.axis_of(name), step, tz))
    figure.update_layout(
        template=NO_TEMPLATE,
        hovermode="x",
        margin={"l": 56, "r": 56 if len(plan.axes) == 2 else 16, "t": 30, "b": 40},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        xaxis={
            "range": [epoch_to_local(view.start, tz), epoch_to_local(view.end, tz)],
            "title": {"text": f"time ({tz or 'UTC'})"},
            "anchor": plan.axes[-1].ref if plan.stacked else "y",
        },
        dragmode="zoom",
        shapes=list(shapes),
        height=plan.height_px(),
        meta={"rows": plan.rows, "units": [a.symbol for a in plan.axes]},
        **plan.layouts(),
    )
    return figure


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
