"""The fleet overview (``/hosts``): a tile per host with live values and a CPU sparkline.

The browser polls ``/api/v1/overview`` once an interval for one page of hosts (a search of
their names, by name or worst first, 60 a page: a fleet of a thousand is never sent whole) and
draws the tiles itself
(assets/overview.js); a host that stopped reporting turns red and says since when (the server's
one rule for "reporting", the same as ``/api/v1/hosts`` and ``/readyz``: docs/api.md; a host
known from the database alone has a tile without values that says "stored 3 s ago"). A tile links
to the live page following that host (``./?host=NAME``); the server's own host is marked. A host
with firing alerts gets a mark with their counts by severity ("2 critical", the worst one's
colour) that links to the alerts page filtered to it (``alerts?host=NAME``); the browser reads
``/api/v1/alerts`` for it every few seconds, beside the overview's poll.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

from app.config import Config
from app.pages import ids
from app.pages.context import PageContext

PATH = "/hosts"
TITLE = "Hosts"


def layout(config: Config) -> html.Div:
    """Title with a one-line summary, the search, order and pages of a large fleet, the tile
    grid, the poll clock and the page's settings."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Hosts", className="overview-title"),
                    html.Span("", id=ids.OVERVIEW_SUMMARY, className="overview-summary"),
                ],
                className="overview-head",
            ),
            _controls(),
            html.P(
                "Waiting for the first samples…",
                id=ids.OVERVIEW_WAITING,
                className="overview-empty",
            ),
            html.Div(id=ids.OVERVIEW_GRID, className="overview-grid"),  # drawn by overview.js
            dcc.Interval(id=ids.OVERVIEW_POLL, interval=int(config.interval * 1000)),
            dcc.Store(id=ids.OVERVIEW_CONFIG, data=_settings(config)),
        ],
        className="overview",
    )


def _settings(config: Config) -> dict[str, str]:
    """What assets/overview.js needs: this server's host and the ids it draws into."""
    return {
        "host": config.hostname,
        "hostnameId": ids.HOSTNAME,
        "gridId": ids.OVERVIEW_GRID,
        "waitingId": ids.OVERVIEW_WAITING,
        "summaryId": ids.OVERVIEW_SUMMARY,
        "pagerId": ids.OVERVIEW_PAGER,
        "prevId": ids.OVERVIEW_PREV,
        "nextId": ids.OVERVIEW_NEXT,
    }


def _controls() -> html.Div:
    """The search of host names, the order (by name, worst first) and the pager."""
    return html.Div(
        [
            html.Label(
                [
                    html.Span("Search hosts by name", className="visually-hidden"),
                    dcc.Input(
                        id=ids.OVERVIEW_SEARCH,
                        type="search",
                        placeholder="Search hosts",
                        debounce=0.3,
                        className="input",
                    ),
                ],
                className="overview-search",
            ),
            dcc.RadioItems(
                id=ids.OVERVIEW_SORT,
                options=[
                    {"label": "By name", "value": "name"},
                    {"label": "Worst first", "value": "worst"},
                ],
                value="name",
                inline=True,
                className="segmented overview-sort",
            ),
            html.Div(
                [
                    html.Button(
                        "Previous", id=ids.OVERVIEW_PREV, disabled=True, className="button"
                    ),
                    html.Span(
                        "",
                        id=ids.OVERVIEW_PAGER,
                        className="overview-pager",
                        **{"aria-live": "polite"},
                    ),
                    html.Button("Next", id=ids.OVERVIEW_NEXT, disabled=True, className="button"),
                ],
                className="overview-pages",
            ),
        ],
        className="overview-controls",
    )


def register_callbacks(dash_app: Dash, _context: PageContext) -> None:
    """One clientside callback (assets/overview.js): each poll, search, order or page turn
    reads the page of hosts, which redraws the tiles, the summary and the pager when it comes
    (``set_props``: no outputs of its own, so no slow answer is dropped)."""
    dash_app.clientside_callback(
        ClientsideFunction("overview", "render"),
        # never set (no_update): an output only so that Dash calls it as the page loads, which
        # it does not do for a callback without one (the first read would wait a poll interval)
        Output(ids.OVERVIEW_WAITING, "className"),
        Input(ids.OVERVIEW_POLL, "n_intervals"),
        Input(ids.OVERVIEW_SEARCH, "value"),
        Input(ids.OVERVIEW_SORT, "value"),
        Input(ids.OVERVIEW_PREV, "n_clicks"),
        Input(ids.OVERVIEW_NEXT, "n_clicks"),
        State(ids.OVERVIEW_CONFIG, "data"),
    )
