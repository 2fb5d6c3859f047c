"""The page's components: host, range, comparison and metric controls, the chart, the snapshot
panel, the analysis panels (analysis_layout.py).

Layout only, in the controls every page shares (assets/dashboard.css: fields, segmented
buttons, inputs, Dash's dropdown); what the components show is filled in by the callbacks
(callbacks.py).
"""

from __future__ import annotations

from dash import dcc, html

from app.config import Config
from app.pages import ids
from app.pages.history.analysis_layout import analysis_section, compare_control
from app.pages.history.fields import segmented_field
from app.pages.history.figures import empty_figure
from app.pages.history.ranges import CUSTOM, DEFAULT_PRESET, INPUT_HINT, PRESETS


def layout(config: Config) -> html.Div:
    """Range presets, custom range and comparison, host and metric pickers, the chart, the
    snapshot, the analysis panels."""
    return html.Div(
        [
            dcc.Store(id=ids.HISTORY_TZ),
            dcc.Store(id=ids.HISTORY_INIT, data=config.hostname),
            dcc.Store(id=ids.HISTORY_BASE),
            dcc.Store(id=ids.HISTORY_VIEW),
            dcc.Store(id=ids.HISTORY_FIGURE),
            dcc.Store(id=ids.HISTORY_URL),
            dcc.Store(id=ids.HISTORY_TYPED),
            html.Div(
                [_host_picker(), _range_presets(), _custom_range(), compare_control()],
                className="history-controls",
            ),
            _metric_picker(),
            _info_bar(),
            html.Div(
                dcc.Graph(
                    id=ids.HISTORY_GRAPH,
                    figure=empty_figure("Loading…"),
                    config={"displaylogo": False, "scrollZoom": False, "responsive": True},
                    className="history-graph",
                    style={"height": "var(--history-graph-height)"},  # history.css
                ),
                className="panel history-chart",
            ),
            html.Div(
                "Click a point to see what was running then.",
                id=ids.HISTORY_SNAPSHOT,
                className="history-snapshot",
            ),
            analysis_section(),
            html.Div("", id=ids.HISTORY_USAGE, className="history-usage"),
        ],
        className="history-page",
    )


def _host_picker() -> html.Div:
    """Hidden until the store holds several hosts."""
    return html.Div(
        [
            html.Label("Host", htmlFor=ids.HISTORY_HOST, className="field-label"),
            dcc.Dropdown(id=ids.HISTORY_HOST, clearable=False, className="history-host"),
        ],
        id=ids.HISTORY_HOST_FIELD,
        className="field history-host-field",
        style={"display": "none"},
    )


def _range_presets() -> html.Div:
    """The presets as segmented buttons (a radio group for the keyboard)."""
    options = [{"label": k, "value": k} for k in PRESETS] + [{"label": "Custom", "value": CUSTOM}]
    return segmented_field("Range", ids.HISTORY_PRESET, options, DEFAULT_PRESET, "history-presets")


def _time_field(label: str, input_id: str) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=input_id, className="field-label"),
            dcc.Input(
                id=input_id,
                placeholder=INPUT_HINT,
                debounce=False,  # Apply reads the field itself (history.js typedRange)
                autoComplete="off",
                className="input history-time",
            ),
        ],
        className="field history-time-field",
    )


def _custom_range() -> html.Div:
    """From and To fields with Apply and refresh, and the message saying what is wrong."""
    return html.Div(
        [
            html.Div(
                [
                    _time_field("From", ids.HISTORY_FROM),
                    _time_field("To", ids.HISTORY_TO),
                    html.Div(
                        [
                            html.Button(
                                "Apply", id=ids.HISTORY_APPLY, className="button button--primary"
                            ),
                            html.Button(
                                "↻",
                                id=ids.HISTORY_REFRESH,
                                title="Refresh (up to now)",
                                className="button button--icon",
                                **{"aria-label": "Refresh"},
                            ),
                        ],
                        className="history-custom-buttons",
                    ),
                ],
                className="history-custom-row",
            ),
            html.Div(
                "",
                id=ids.HISTORY_RANGE_MESSAGE,
                className="field-message",
                role="alert",
                **{"aria-live": "polite"},
            ),
        ],
        className="history-custom",
    )


def _metric_picker() -> html.Div:
    return html.Div(
        [
            html.Label("Metrics", htmlFor=ids.HISTORY_METRICS, className="field-label"),
            dcc.Dropdown(
                id=ids.HISTORY_METRICS,
                multi=True,
                placeholder="Pick series to draw: search by name or unit",
                search_order="original",
                closeOnSelect=False,
                maxHeight=360,
                className="history-metric-picker",
            ),
        ],
        className="field history-metrics",
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
                className="button history-download",
            ),
        ],
        className="history-bar",
    )
