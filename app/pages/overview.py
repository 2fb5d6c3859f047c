"""The fleet overview (``/hosts``): a tile per host with live values and a CPU sparkline.

The browser polls ``/api/v1/overview`` once an interval and draws the tiles itself
(assets/overview.js); a host that stopped reporting turns red. A tile opens that host's live page.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, dcc, html

from app import ids
from app.config import Config

PATH = "/hosts"
TITLE = "Hosts"


def layout(config: Config) -> html.Div:
    return html.Div(
        [
            html.H2("Hosts", className="overview-title"),
            html.Div(
                html.P("Waiting for the first samples…", className="overview-empty"),
                id=ids.OVERVIEW_GRID,
                className="overview-grid",
            ),
            dcc.Interval(id=ids.OVERVIEW_POLL, interval=int(config.interval * 1000)),
        ],
        className="overview",
    )


def register_callbacks(dash_app: Dash) -> None:
    dash_app.clientside_callback(
        ClientsideFunction("overview", "render"),
        Output(ids.OVERVIEW_GRID, "children"),
        Input(ids.OVERVIEW_POLL, "n_intervals"),
    )
