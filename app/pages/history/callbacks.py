"""The page's Dash callbacks: thin wiring of ids to the pure functions.

Each callback that reads is bound (``partial``) to the store of the PageContext it was
registered with. The browser (assets/history.js) supplies its time zone, gives the server's
figure the page theme's colours, writes the view into the address bar and shows the chosen
host in the header.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, ctx

from app.alerts.rules import Rule, load_rules
from app.pages import ids
from app.pages.context import PageContext
from app.pages.history import analysis_reads, reads
from app.pages.history.analysis_callbacks import register_analysis
from app.pages.history.links import parse_link
from app.pages.history.ranges import choose_range
from storage.store import MetricStore


def register_callbacks(dash_app: Dash, context: PageContext) -> None:
    """Registers every callback of the page on ``dash_app``, reading ``context.store``."""
    config = context.config
    rules = load_rules(config.alerts_file or None).rules if config.alerts_enabled else ()
    _register_browser(dash_app)
    _register_reads(dash_app, context.store, rules)
    _register_range(dash_app)
    register_analysis(dash_app, context.store)


def _register_browser(dash_app: Dash) -> None:
    """The clientside callbacks (assets/history.js)."""
    dash_app.clientside_callback(
        ClientsideFunction("history", "timeZone"),
        Output(ids.HISTORY_TZ, "data"),
        Input(ids.HISTORY_INIT, "data"),
    )
    dash_app.clientside_callback(
        ClientsideFunction("history", "themed"),
        Output(ids.HISTORY_GRAPH, "figure"),
        Output(ids.HISTORY_GRAPH, "style"),
        Input(ids.HISTORY_FIGURE, "data"),
        Input(ids.THEME, "data"),
    )
    dash_app.clientside_callback(
        ClientsideFunction("history", "writeUrl"),
        Output(ids.HISTORY_URL, "data"),
        Input(ids.HISTORY_VIEW, "data"),
        Input(ids.HISTORY_METRICS, "value"),
        Input(ids.HISTORY_HOST, "value"),
        State(ids.HISTORY_BASE, "data"),
    )
    dash_app.clientside_callback(  # what the fields show the moment Apply or Enter is pressed
        ClientsideFunction("history", "typedRange"),
        Output(ids.HISTORY_TYPED, "data"),
        Input(ids.HISTORY_APPLY, "n_clicks"),
        Input(ids.HISTORY_FROM, "n_submit"),
        Input(ids.HISTORY_TO, "n_submit"),
        prevent_initial_call=True,
    )
    dash_app.clientside_callback(
        ClientsideFunction("history", "hostName"),
        Output(ids.HOSTNAME, "children", allow_duplicate=True),
        Input(ids.HISTORY_HOST, "value"),
        prevent_initial_call=True,
    )


def _register_reads(dash_app: Dash, store: MetricStore, rules: tuple[Rule, ...]) -> None:
    """The callbacks reading ``store``: hosts and storage use once, the metrics of the host,
    the chart (with the compared period) with its info line and download link per view, the
    snapshot per click."""
    dash_app.callback(
        Output(ids.HISTORY_HOST, "options"),
        Output(ids.HISTORY_HOST, "value"),
        Output(ids.HISTORY_HOST_FIELD, "style"),
        Output(ids.HISTORY_USAGE, "children"),
        Input(ids.HISTORY_INIT, "data"),
        State(ids.LOCATION, "search"),
    )(partial(reads.init_page, store))
    dash_app.callback(
        Output(ids.HISTORY_METRICS, "options"),
        Output(ids.HISTORY_METRICS, "value"),
        Input(ids.HISTORY_HOST, "value"),
        State(ids.HISTORY_METRICS, "value"),
        State(ids.LOCATION, "search"),
    )(partial(reads.metric_options, store))
    dash_app.callback(
        Output(ids.HISTORY_FIGURE, "data"),
        Output(ids.HISTORY_INFO, "children"),
        Output(ids.HISTORY_DOWNLOAD, "href"),
        Input(ids.HISTORY_VIEW, "data"),
        Input(ids.HISTORY_METRICS, "value"),
        Input(ids.HISTORY_HOST, "value"),
        Input(ids.HISTORY_COMPARE, "value"),
        State(ids.HISTORY_TZ, "data"),
    )(partial(analysis_reads.render_view, store, rules=rules))
    dash_app.callback(
        Output(ids.HISTORY_SNAPSHOT, "children"),
        Input(ids.HISTORY_GRAPH, "clickData"),
        State(ids.HISTORY_HOST, "value"),
        State(ids.HISTORY_TZ, "data"),
    )(partial(reads.show_snapshot, store))


def _register_range(dash_app: Dash) -> None:
    """The base and view ranges (and the controls showing them, and the message saying why a
    typed range cannot be shown) after any range control.

    Zooms have their own callback: Dash drops the answer of a callback still running when the
    same callback is called again, and the graph reports a relayout (a resize, say) at any
    moment, which must not swallow the answer to Apply.
    """

    @dash_app.callback(
        Output(ids.HISTORY_BASE, "data"),
        Output(ids.HISTORY_VIEW, "data"),
        Output(ids.HISTORY_FROM, "value"),
        Output(ids.HISTORY_TO, "value"),
        Output(ids.HISTORY_PRESET, "value"),
        Output(ids.HISTORY_RANGE_MESSAGE, "children"),
        Input(ids.HISTORY_PRESET, "value"),
        Input(ids.HISTORY_TYPED, "data"),
        Input(ids.HISTORY_REFRESH, "n_clicks"),
        Input(ids.HISTORY_TZ, "data"),
        State(ids.HISTORY_BASE, "data"),
        State(ids.LOCATION, "search"),
    )
    def _range(
        preset: str | None,
        typed: dict[str, str] | None,
        _refresh: int | None,
        tz: str | None,
        base: dict[str, float] | None,
        search: str | None,
    ) -> tuple[Any, ...]:
        start_text, end_text = (typed or {}).get("from"), (typed or {}).get("to")
        link = parse_link(search)
        linked = (link.start, link.end) if link is not None and link.end else None
        linked_preset = link.preset if link is not None else None
        return tuple(
            choose_range(
                ctx.triggered_id, preset, None, start_text, end_text, tz, base, time.time(),
                linked, linked_preset,
            )
        )  # fmt: skip

    @dash_app.callback(
        Output(ids.HISTORY_VIEW, "data", allow_duplicate=True),
        Output(ids.HISTORY_FROM, "value", allow_duplicate=True),
        Output(ids.HISTORY_TO, "value", allow_duplicate=True),
        Output(ids.HISTORY_PRESET, "value", allow_duplicate=True),
        Output(ids.HISTORY_RANGE_MESSAGE, "children", allow_duplicate=True),
        Input(ids.HISTORY_GRAPH, "relayoutData"),
        State(ids.HISTORY_TZ, "data"),
        State(ids.HISTORY_BASE, "data"),
        prevent_initial_call=True,
    )
    def _zoom(
        relayout: dict[str, Any] | None, tz: str | None, base: dict[str, float] | None
    ) -> tuple[Any, ...]:
        choice = choose_range(ids.HISTORY_GRAPH, None, relayout, None, None, tz, base, time.time())
        return tuple(choice)[1:]  # a zoom never changes the base
