"""The history page: any stored series over a chosen range, zoomable down to raw samples.

The server queries and resamples (storage/history.py) and builds the figure; the browser only
reports its time zone (assets/history.js), in which every time on the page is shown. A range
holding more points than a screen shows is drawn as the bucket mean with a min-max band.
Clicking a point shows the stored top-process snapshot nearest that moment; the download link
exports exactly the current view (its range, metrics, host and source resolution) as CSV.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import current_app
from plotly.colors import qualitative

from app.config import Config
from app.pages.context import PageContext
from storage.history import HistoryReader, HistoryView, UnknownHost
from storage.params import MAX_VIEW_SPAN
from storage.store import MetricStore
from storage.timeparse import iso_utc
from storage.usage import human_bytes, storage_bytes

PATH = "/history"
TITLE = "History"

# Component ids of this page.
TZ = "history-tz"
INIT = "history-init"
HOST = "history-host"
HOST_FIELD = "history-host-field"
METRICS = "history-metrics"
PRESET = "history-preset"
FROM = "history-from"
TO = "history-to"
APPLY = "history-apply"
REFRESH = "history-refresh"
BASE = "history-base"
VIEW = "history-view"
GRAPH = "history-graph"
INFO = "history-info"
DOWNLOAD = "history-download"
SNAPSHOT = "history-snapshot"
USAGE = "history-usage"

PRESETS: dict[str, float] = {
    "15m": 900.0,
    "1h": 3600.0,
    "6h": 6 * 3600.0,
    "24h": 86400.0,
    "7d": 7 * 86400.0,
    "30d": 30 * 86400.0,
}
DEFAULT_PRESET = "1h"
DEFAULT_METRICS = ("cpu.total", "memory.percent")
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
SOURCE_LABELS = {"raw": "raw samples", "1m": "1-minute rollups", "1h": "1-hour rollups"}


def layout(config: Config) -> html.Div:
    """Range presets and custom range, host and metric pickers, the chart, the snapshot."""
    presets = [{"label": k, "value": k} for k in PRESETS] + [{"label": "custom", "value": "custom"}]
    return html.Div(
        [
            dcc.Store(id=TZ),
            dcc.Store(id=INIT, data=config.hostname),
            dcc.Store(id=BASE),
            dcc.Store(id=VIEW),
            html.Div(
                [
                    html.Div(
                        [html.Label("Host"), dcc.Dropdown(id=HOST, clearable=False)],
                        id=HOST_FIELD,
                        className="history-field",
                        style={"display": "none"},
                    ),
                    html.Div(
                        [
                            html.Label("Range"),
                            dcc.RadioItems(
                                id=PRESET,
                                options=presets,
                                value=DEFAULT_PRESET,
                                inline=True,
                                className="history-presets",
                            ),
                        ],
                        className="history-field",
                    ),
                    html.Div(
                        [
                            html.Label("From"),
                            dcc.Input(id=FROM, placeholder="YYYY-MM-DD HH:MM", debounce=True),
                            html.Label("to"),
                            dcc.Input(id=TO, placeholder="YYYY-MM-DD HH:MM", debounce=True),
                            html.Button("Apply", id=APPLY),
                            html.Button("↻", id=REFRESH, title="Refresh (now)"),
                        ],
                        className="history-field history-custom",
                    ),
                ],
                className="history-controls",
            ),
            html.Div(
                [
                    html.Label("Metrics"),
                    dcc.Dropdown(id=METRICS, multi=True, placeholder="Pick series to draw"),
                ],
                className="history-field history-metrics",
            ),
            html.Div(
                [
                    html.Div("", id=INFO, className="history-info"),
                    html.A(
                        "Download CSV",
                        id=DOWNLOAD,
                        href="",
                        download="",
                        className="history-download",
                    ),
                ],
                className="history-bar",
            ),
            dcc.Graph(
                id=GRAPH,
                figure=empty_figure("Loading…"),
                config={"displaylogo": False, "scrollZoom": False},
                className="history-graph",
            ),
            html.Div(
                "Click a point to see what was running then.",
                id=SNAPSHOT,
                className="history-snapshot",
            ),
            html.Div("", id=USAGE, className="history-usage"),
        ],
        className="history-page",
    )


# -- pure helpers (tests call these directly) -------------------------------------------------


def safe_tz(tz: str | None) -> str:
    """``tz`` when it names a known time zone, else UTC."""
    try:
        ZoneInfo(tz or "UTC")
    except (ValueError, KeyError, OSError):
        return "UTC"
    return tz or "UTC"


def preset_range(preset: str, now: float) -> tuple[float, float]:
    """The range a preset names, ending ``now``."""
    return now - PRESETS.get(preset, PRESETS[DEFAULT_PRESET]), now


def local_to_epoch(text: str, tz: str | None) -> float:
    """A naive local time (as Plotly and the inputs give it) in ``tz`` -> epoch seconds."""
    stamp = pd.Timestamp(str(text).strip())
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(tz or "UTC", ambiguous=False, nonexistent="shift_forward")
    return stamp.timestamp()


def epoch_to_local(ts: float, tz: str | None, fmt: str = LOCAL_FORMAT) -> str:
    return pd.Timestamp(ts, unit="s", tz="UTC").tz_convert(tz or "UTC").strftime(fmt)


def zoom_range(relayout: dict[str, Any] | None, tz: str | None) -> tuple[float, float] | None:
    """The x range a Plotly relayout event zoomed to; None when it did not zoom."""
    if not relayout:
        return None
    if "xaxis.range[0]" in relayout and "xaxis.range[1]" in relayout:
        bounds = relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]
    elif isinstance(relayout.get("xaxis.range"), list | tuple):
        bounds = tuple(relayout["xaxis.range"][:2])
    else:
        return None
    start, end = (local_to_epoch(b, tz) for b in bounds)
    return (start, end) if start < end else None


def local_times(ts_ms: np.ndarray, tz: str | None) -> pd.DatetimeIndex:
    """Epoch ms -> naive wall-clock times in ``tz`` (what Plotly draws)."""
    utc = pd.DatetimeIndex(pd.to_datetime(ts_ms, unit="ms", utc=True))
    return utc.tz_convert(tz or "UTC").tz_localize(None)


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


def build_figure(view: HistoryView, tz: str | None) -> go.Figure:
    """Mean lines with min-max bands (when resampled) of every series of ``view``."""
    data = view.data
    if len(data) == 0:
        return empty_figure("No data stored in this range")
    if view.width_ms:
        step = float(view.width_ms)
    else:
        step = float(np.median(np.diff(data.ts))) if len(data) > 1 else 1000.0
    figure = go.Figure()
    colors = qualitative.Plotly
    for i, name in enumerate(data.names):
        color = colors[i % len(colors)]
        ts, mean, low, high = _with_gaps(
            data.ts, step, data.mean[:, i], data.min[:, i], data.max[:, i]
        )
        x = local_times(ts, tz)
        if view.width_ms:
            band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip"}
            figure.add_trace(go.Scatter(x=x, y=high, legendgroup=name, showlegend=False, **band))
            figure.add_trace(
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
        else:
            hover, custom = "%{y:.4g}", None
        figure.add_trace(
            go.Scatter(
                x=x,
                y=mean,
                name=name,
                legendgroup=name,
                mode="lines",
                line={"color": color, "width": 1.5},
                customdata=custom,
                hovertemplate=hover + f"<extra>{name}</extra>",
            )
        )
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


def download_href(view: HistoryView, metrics: list[str]) -> str:
    """The export URL of exactly this view (relative, so it works under a path prefix)."""
    query = {
        "host": view.host,
        "from": iso_utc(view.start),
        "to": iso_utc(view.end),
        "metrics": metrics,
        "resolution": view.source.name,
        "format": "wide",
    }
    return "api/v1/export.csv?" + urlencode(query, doseq=True)


def snapshot_panel(snapshot: dict[str, Any] | None, clicked: float, tz: str | None) -> Any:
    """Two tables (top by CPU, top by memory) of the snapshot nearest ``clicked``."""
    when = epoch_to_local(clicked, tz)
    if snapshot is None:
        return html.Div(f"No process snapshot stored near {when}.")
    title = (
        f"What was running at {epoch_to_local(snapshot['ts'], tz)} "
        f"(snapshot nearest {when}, {tz or 'UTC'})"
    )
    return html.Div(
        [
            html.H3(title),
            html.Div(
                [
                    _process_table("By CPU", snapshot.get("top_cpu") or []),
                    _process_table("By memory", snapshot.get("top_mem") or []),
                ],
                className="history-process-tables",
            ),
        ]
    )


def _process_table(title: str, processes: list[dict[str, Any]]) -> html.Div:
    head = html.Tr([html.Th(h) for h in ("PID", "Name", "User", "CPU %", "Mem %", "RSS", "Cmd")])
    rows = [
        html.Tr(
            [
                html.Td(p.get("pid")),
                html.Td(p.get("name")),
                html.Td(p.get("user")),
                html.Td(_number(p.get("cpu"))),
                html.Td(_number(p.get("mem"))),
                html.Td(human_bytes(p["rss"]) if isinstance(p.get("rss"), int | float) else ""),
                html.Td(p.get("cmdline"), className="cmdline"),
            ]
        )
        for p in processes
    ]
    return html.Div(
        [html.H4(title), html.Table([html.Thead(head), html.Tbody(rows)])],
        className="history-process-table",
    )


def _number(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else ""


# -- callbacks --------------------------------------------------------------------------------


def _store() -> MetricStore:
    return current_app.extensions["monitor"].store


def init_page(preferred: str | None) -> tuple[list[str], str | None, dict[str, str], str]:
    """Host options and choice (the picker only shows with several hosts), storage use."""
    store = _store()
    hosts = store.host_names()
    host = preferred if preferred in hosts else (hosts[0] if hosts else None)
    style = {} if len(hosts) > 1 else {"display": "none"}
    sizes = storage_bytes(store.engine)
    parts = ", ".join(f"{k.removeprefix('monitor_')} {human_bytes(v)}" for k, v in sizes.items())
    return hosts, host, style, f"History storage: {human_bytes(sum(sizes.values()))} ({parts})"


def metric_options(host: str | None, chosen: list[str] | None) -> tuple[list[str], list[str]]:
    """Every stored series of ``host``; keeps the chosen ones that exist, else the defaults."""
    if not host:
        return [], []
    try:
        names = HistoryReader(_store()).series_names(host)
    except UnknownHost:
        return [], []
    kept = [m for m in chosen or [] if m in names]
    if not kept:
        kept = [m for m in DEFAULT_METRICS if m in names] or names[:1]
    return names, kept


def choose_range(
    trigger: str | None,
    preset: str | None,
    relayout: dict[str, Any] | None,
    start_text: str | None,
    end_text: str | None,
    tz: str | None,
    base: dict[str, float] | None,
    now: float,
) -> tuple[Any, Any, Any, Any, Any]:
    """(base range, view range, from text, to text, preset) after a control changed.

    A preset or refresh sets both ranges to the preset ending now; "Apply" to the typed range;
    a zoom narrows only the view; a reset of the zoom returns the view to the base range.
    """
    tz = safe_tz(tz)
    unchanged = (no_update,) * 5
    if trigger == GRAPH:
        zoomed = zoom_range(relayout, tz)
        if zoomed is not None:
            return no_update, {"start": zoomed[0], "end": zoomed[1]}, *unchanged[:3]
        if relayout and relayout.get("xaxis.autorange") and base:
            return no_update, base, *unchanged[:3]
        return unchanged
    if trigger == APPLY:
        try:
            start, end = local_to_epoch(start_text or "", tz), local_to_epoch(end_text or "", tz)
        except ValueError:
            return unchanged
        if not 0 < end - start <= MAX_VIEW_SPAN:
            return unchanged
        chosen = {"start": start, "end": end}
        return chosen, chosen, no_update, no_update, "custom"
    if preset == "custom" and trigger == PRESET:
        return unchanged
    if preset == "custom" and base:
        chosen = base
    else:
        start, end = preset_range(preset or DEFAULT_PRESET, now)
        chosen = {"start": start, "end": end}
    fmt = "%Y-%m-%d %H:%M"
    return (
        chosen,
        chosen,
        epoch_to_local(chosen["start"], tz, fmt),
        epoch_to_local(chosen["end"], tz, fmt),
        no_update,
    )


def render(
    view_range: dict[str, float] | None,
    metrics: list[str] | None,
    host: str | None,
    tz: str | None,
) -> tuple[go.Figure, str, str]:
    """(figure, info line, download URL) of the view."""
    tz = safe_tz(tz)
    if not view_range or not host:
        return empty_figure("No history stored yet"), "", ""
    if not metrics:
        return empty_figure("Pick one or more metrics"), "", ""
    try:
        view = HistoryReader(_store()).view(host, metrics, view_range["start"], view_range["end"])
    except UnknownHost:
        return empty_figure(f"No history stored for {host}"), "", ""
    return build_figure(view, tz), describe(view, tz), download_href(view, metrics)


def show_snapshot(click: dict[str, Any] | None, host: str | None, tz: str | None) -> Any:
    """The snapshot panel for a clicked point."""
    if not click or not click.get("points") or not host:
        return no_update
    tz = safe_tz(tz)
    clicked = local_to_epoch(click["points"][0]["x"], tz)
    return snapshot_panel(_store().process_snapshot_near(host, clicked), clicked, tz)


def register_callbacks(dash_app: Dash, _context: PageContext) -> None:
    """Wires the pure functions above; the browser only supplies its time zone."""
    dash_app.clientside_callback(
        ClientsideFunction("history", "timeZone"), Output(TZ, "data"), Input(INIT, "data")
    )
    dash_app.callback(
        Output(HOST, "options"),
        Output(HOST, "value"),
        Output(HOST_FIELD, "style"),
        Output(USAGE, "children"),
        Input(INIT, "data"),
    )(init_page)
    dash_app.callback(
        Output(METRICS, "options"),
        Output(METRICS, "value"),
        Input(HOST, "value"),
        State(METRICS, "value"),
    )(metric_options)

    @dash_app.callback(
        Output(BASE, "data"),
        Output(VIEW, "data"),
        Output(FROM, "value"),
        Output(TO, "value"),
        Output(PRESET, "value"),
        Input(PRESET, "value"),
        Input(APPLY, "n_clicks"),
        Input(REFRESH, "n_clicks"),
        Input(GRAPH, "relayoutData"),
        Input(TZ, "data"),
        State(FROM, "value"),
        State(TO, "value"),
        State(BASE, "data"),
    )
    def _range(
        preset: str | None,
        _apply: int | None,
        _refresh: int | None,
        relayout: dict[str, Any] | None,
        tz: str | None,
        start_text: str | None,
        end_text: str | None,
        base: dict[str, float] | None,
    ) -> tuple[Any, ...]:
        return choose_range(
            ctx.triggered_id, preset, relayout, start_text, end_text, tz, base, time.time()
        )

    dash_app.callback(
        Output(GRAPH, "figure"),
        Output(INFO, "children"),
        Output(DOWNLOAD, "href"),
        Input(VIEW, "data"),
        Input(METRICS, "value"),
        Input(HOST, "value"),
        State(TZ, "data"),
    )(render)
    dash_app.callback(
        Output(SNAPSHOT, "children"),
        Input(GRAPH, "clickData"),
        State(HOST, "value"),
        State(TZ, "data"),
    )(show_snapshot)
