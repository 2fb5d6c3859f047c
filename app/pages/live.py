"""The live page: summary cards of the latest sample, refreshed clientside each interval."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, dcc, html

from app import ids
from app.config import Config

PATH = "/"
TITLE = "Live"


def card(title: str, value_id: str) -> html.Div:
    return html.Div(
        [
            html.Div(title, className="card-title"),
            html.Div("–", id=value_id, className="card-value"),
        ],
        className="card",
    )


def layout(config: Config) -> html.Div:
    """Cards for CPU, memory, load and uptime, and the time of the sample shown."""
    return html.Div(
        [
            html.Div(
                [
                    card("CPU", ids.CPU_VALUE),
                    card("Memory", ids.MEM_VALUE),
                    card("Load (1 min)", ids.LOAD_VALUE),
                    card("Uptime", ids.UPTIME_VALUE),
                ],
                className="cards",
            ),
            html.Div("", id=ids.SAMPLE_TIME, className="sample-time"),
            dcc.Interval(id=ids.POLL, interval=int(config.interval * 1000)),
            dcc.Store(id=ids.LATEST),
        ]
    )


def register_callbacks(dash_app: Dash) -> None:
    """Fetching and rendering run in the browser (assets/dashboard.js)."""
    dash_app.clientside_callback(
        ClientsideFunction("monitor", "fetchLatest"),
        Output(ids.LATEST, "data"),
        Input(ids.POLL, "n_intervals"),
    )
    dash_app.clientside_callback(
        ClientsideFunction("monitor", "renderCards"),
        Output(ids.HOSTNAME, "children"),
        Output(ids.CPU_VALUE, "children"),
        Output(ids.MEM_VALUE, "children"),
        Output(ids.LOAD_VALUE, "children"),
        Output(ids.UPTIME_VALUE, "children"),
        Output(ids.SAMPLE_TIME, "children"),
        Input(ids.LATEST, "data"),
    )
