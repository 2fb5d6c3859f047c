"""The page's components: host, range and metric controls, the chart, the snapshot panel.

Layout only; what the components show is filled in by the callbacks (callbacks.py).
"""

from __future__ import annotations

from dash import dcc, html

from app.config import Config
from app.pages import ids
from app.pages.history.figures import empty_figure
from app.pages.history.ranges import CUSTOM, DEFAULT_PRESET, PRESETS

TIME_PLACEHOLDER = "YYYY-MM-DD HH:MM"


def layout(config: Config) -> html.Div:
    """Range presets and custom range, host and metric pickers, the chart, the snapshot."""
    return html.Div(
        [
            dcc.Store(id=ids.HISTORY_TZ),
            dcc.Store(id=ids.HISTORY_INIT, data=config.hostname),
            dcc.Store(id=ids.HISTORY_BASE),
            dcc.Store(id=ids.HISTORY_VIEW),
            html.Div(
                [_host_picker(), _range_presets(), _custom_range()],
                className="history-controls",
            ),
            _metric_picker(),
            _info_bar(),
            dcc.Graph(
                id=ids.HISTORY_GRAPH,
                figure=empty_figure("Loading…"),
                config={"displaylogo": False, "scrollZoom": False},
                className="history-graph",
            ),
            html.Div(
                "Click a point to see what was running then.",
                id=ids.HISTORY_SNAPSHOT,
                className="history-snapshot",
            ),
            html.Div("", id=ids.HISTORY_USAGE, className="history-usage"),
        ],
        className="history-page",
    )


def _host_picker() -> html.Div:
    """Hidden until the store holds several hosts."""
    return html.Div(
        [html.Label("Host"), dcc.Dropdown(id=ids.HISTORY_HOST, clearable=False)],
        id=ids.HISTORY_HOST_FIELD,
        className="history-field",
        style={"display": "none"},
    )


def _range_presets() -> html.Div:
    options = [{"label": k, "value": k} for k in PRESETS] + [{"label": CUSTOM, "value": CUSTOM}]
    return html.Div(
        [
            html.Label("Range"),
            dcc.RadioItems(
                id=ids.HISTORY_PRESET,
                options=options,
                value=DEFAULT_PRESET,
                inline=True,
                className="history-presets",
            ),
        ],
        className="history-field",
    )


def _custom_range() -> html.Div:
    return html.Div(
        [
            html.Label("From"),
            dcc.Input(id=ids.HISTORY_FROM, placeholder=TIME_PLACEHOLDER, debounce=True),
            html.Label("to"),
            dcc.Input(id=ids.HISTORY_TO, placeholder=TIME_PLACEHOLDER, debounce=True),
            html.Button("Apply", id=ids.HISTORY_APPLY),
            html.Button("↻", id=ids.HISTORY_REFRESH, title="Refresh (now)"),
        ],
        className="history-field history-custom",
    )


def _metric_picker() -> html.Div:
    return html.Div(
        [
            html.Label("Metrics"),
            dcc.Dropdown(id=ids.HISTORY_METRICS, multi=True, placeholder="Pick series to draw"),
        ],
        className="history-field history-metrics",
    )


def _info_bar() -> html.Div:
    """The line describing the view, and the link downloading it."""
    return html.Div(
        [
            html.Div("", id=ids.HISTORY_INFO, className="history-info"),
            html.A(
                "Download CSV",
                id=ids.HISTORY_DOWNLOAD,
                href="",
                download="",
                className="history-download",
            ),
        ],
        className="history-bar",
    )
