"""The page's Dash callbacks: thin wiring of ids to the pure functions.

Each callback that reads is bound (``partial``) to the store of the PageContext it was
registered with; the browser only supplies its time zone (assets/history.js).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, ctx

from app.alerts.rules import Rule, load_rules
from app.pages import ids
from app.pages.context import PageContext
from app.pages.history import reads
from app.pages.history.links import parse_link
from app.pages.history.ranges import choose_range
from storage.store import MetricStore


def register_callbacks(dash_app: Dash, context: PageContext) -> None:
    """Registers every callback of the page on ``dash_app``, reading ``context.store``."""
    dash_app.clientside_callback(
        ClientsideFunction("history", "timeZone"),
        Output(ids.HISTORY_TZ, "data"),
        Input(ids.HISTORY_INIT, "data"),
    )
    config = context.config
    rules = load_rules(config.alerts_file or None).rules if config.alerts_enabled else ()
    _register_reads(dash_app, context.store, rules)
    _register_range(dash_app)


def _register_reads(dash_app: Dash, store: MetricStore, rules: tuple[Rule, ...]) -> None:
    """The callbacks reading ``store``: hosts and storage use once, the metrics of the host,
    the chart with its info line and download link per view, the snapshot per click."""
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
        Output(ids.HISTORY_GRAPH, "figure"),
        Output(ids.HISTORY_INFO, "children"),
        Output(ids.HISTORY_DOWNLOAD, "href"),
        Input(ids.HISTORY_VIEW, "data"),
        Input(ids.HISTORY_METRICS, "value"),
        Input(ids.HISTORY_HOST, "value"),
        State(ids.HISTORY_TZ, "data"),
    )(partial(reads.render, store, rules=rules))
    dash_app.callback(
        Output(ids.HISTORY_SNAPSHOT, "children"),
        Input(ids.HISTORY_GRAPH, "clickData"),
        State(ids.HISTORY_HOST, "value"),
        State(ids.HISTORY_TZ, "data"),
    )(partial(reads.show_snapshot, store))


def _register_range(dash_app: Dash) -> None:
    """The base and view ranges (and the inputs showing them) after any range control."""

    @dash_app.callback(
        Output(ids.HISTORY_BASE, "data"),
        Output(ids.HISTORY_VIEW, "data"),
        Output(ids.HISTORY_FROM, "value"),
        Output(ids.HISTORY_TO, "value"),
        Output(ids.HISTORY_PRESET, "value"),
        Input(ids.HISTORY_PRESET, "value"),
        Input(ids.HISTORY_APPLY, "n_clicks"),
        Input(ids.HISTORY_REFRESH, "n_clicks"),
        Input(ids.HISTORY_GRAPH, "relayoutData"),
        Input(ids.HISTORY_TZ, "data"),
        State(ids.HISTORY_FROM, "value"),
        State(ids.HISTORY_TO, "value"),
        State(ids.HISTORY_BASE, "data"),
        State(ids.LOCATION, "search"),
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
        search: str | None,
    ) -> tuple[Any, ...]:
        link = parse_link(search)
        linked = (link.start, link.end) if link is not None and link.end else None
        return choose_range(
            ctx.triggered_id, preset, relayout, start_text, end_text, tz, base, time.time(), linked
        )
