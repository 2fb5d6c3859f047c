"""The alerts page (``/alerts``): firing, pending, silenced and recently resolved alerts.

The browser polls ``/api/v1/alerts`` and ``/api/v1/alerts/rules`` and draws the filters, one card
per alert (acknowledge with a note, silence for a while) and the active silences with an end
button into the root div (assets/alerts-page.js; its pure parts are assets/alerts.js). Below, the
"Try a rule" panel replays a rule in force or a pasted one over the stored history through
``POST /api/v1/alerts/test`` (assets/alerts-trial-page.js; pure parts assets/alerts-trial.js).
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

from app.config import Config
from app.pages import ids
from app.pages.context import PageContext

PATH = "/alerts"
TITLE = "Alerts"
RESOLVED_SINCE = "now-1d"  # how far back resolved alerts are listed
MIN_POLL_MS = 2000


def layout(config: Config) -> html.Div:
    """Title with a summary line, the root the script draws in, the trial panel, the poll clock
    and settings."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Alerts", className="alerts-title"),
                    html.Span("", id=ids.ALERTS_SUMMARY, className="alerts-summary"),
                ],
                className="alerts-head",
            ),
            html.Div(id=ids.ALERTS_ROOT, className="alerts-root"),
            html.Section(id=ids.ALERTS_TRIAL, className="alerts-trial panel"),
            dcc.Store(id=ids.ALERTS_TRIAL_MOUNTED),
            dcc.Interval(
                id=ids.ALERTS_POLL, interval=max(MIN_POLL_MS, int(config.interval * 1000))
            ),
            dcc.Store(
                id=ids.ALERTS_CONFIG,
                data={
                    "host": config.hostname,
                    "hostnameId": ids.HOSTNAME,
                    "rootId": ids.ALERTS_ROOT,
                    "summaryId": ids.ALERTS_SUMMARY,
                    "since": RESOLVED_SINCE,
                    "trialId": ids.ALERTS_TRIAL,
                },
            ),
        ],
        className="alerts",
    )


def register_callbacks(dash_app: Dash, _context: PageContext) -> None:
    """Two clientside callbacks: each poll redraws the alerts (assets/alerts-page.js); the
    page's settings arriving draw the trial panel once (assets/alerts-trial-page.js)."""
    dash_app.clientside_callback(
        ClientsideFunction("alerts", "render"),
        Output(ids.ALERTS_SUMMARY, "children"),
        Input(ids.ALERTS_POLL, "n_intervals"),
        State(ids.ALERTS_CONFIG, "data"),
    )
    dash_app.clientside_callback(
        ClientsideFunction("alertsTrial", "mount"),
        Output(ids.ALERTS_TRIAL_MOUNTED, "data"),
        Input(ids.ALERTS_CONFIG, "data"),
    )
