"""The live page's alert banner: the followed host's firing alerts, at the top of the page.

The browser draws it (``assets/live-alerts.js``; its pure parts are ``assets/alerts-firing.js``
over the alerts page's ``assets/alerts.js``; when it reads: ``assets/live-alerts-schedule.js``).
It reads ``GET /api/v1/alerts`` at start, when the page's socket opens or closes, when the
followed host's newest sample carries another ``health.alerts_rev`` than the last read was made
at, and once a minute (``SAFETY_MS``); while no sample says a revision, every few seconds. It
lists the followed host's firing alerts (severity as a word and a colour, the rule in words,
value and threshold with units, since when, an Acknowledge button), counts those of other
hosts, links to the alerts page, and leaves its root empty (hidden) while nothing fires. A
failed read keeps what it showed and says it is not fresh.
Per sample it compares one number; with one tab open and nothing changing it costs the server
one request a minute.
"""

from __future__ import annotations

import uuid

from dash import ClientsideFunction, Dash, Input, State, dcc, html

from app.config import Config
from app.pages import ids

POLL_MS = (2000, 5000)  # five sample intervals, within these bounds
SAFETY_MS = 60_000  # read at least this often while the samples carry revisions
RULES_EVERY_MS = 60_000  # the rules' words (descriptions, units) change only on a restart
MAX_LINES = 5  # alerts listed per host; the rest are counted, on the alerts page


def poll_ms(interval: float) -> int:
    """How often the banner's clock ticks, and reads the open alerts while no sample says the
    alerts' revision: five intervals, between 2 and 5 seconds."""
    low, high = POLL_MS
    return int(min(high, max(low, interval * 5000)))


def client_config(config: Config) -> dict[str, object]:
    """What live-alerts.js needs; ``mount`` is new for every rendering of the page."""
    return {
        "mount": uuid.uuid4().hex,
        "host": config.hostname,
        "rootId": ids.LIVE_ALERTS,
        "socketId": ids.LIVE_SOCKET,
        "everyMs": poll_ms(config.interval),
        "safetyMs": SAFETY_MS,
        "rulesEveryMs": RULES_EVERY_MS,
        "maxLines": MAX_LINES,
    }


def banner(config: Config) -> html.Div:
    """The banner's root (empty until something fires), its poll clock and its settings."""
    return html.Div(
        [
            html.Div(id=ids.LIVE_ALERTS, className="live-alerts"),
            dcc.Interval(id=ids.LIVE_ALERTS_POLL, interval=poll_ms(config.interval)),
            dcc.Store(id=ids.LIVE_ALERTS_CONFIG, data=client_config(config)),
        ],
        className="live-alerts-box",
    )


def register_callbacks(dash_app: Dash) -> None:
    """One clientside callback without outputs (assets/live-alerts.js draws the banner itself),
    run by its clock and by the socket's opens and closes. Every input is the live page's own
    (an input outside the page would run it, and fail, on every other page); the browser sees
    a change of the followed host in the URL's ``host=``."""
    dash_app.clientside_callback(
        ClientsideFunction("liveAlerts", "poll"),
        Input(ids.LIVE_ALERTS_POLL, "n_intervals"),
        Input(ids.LIVE_SOCKET, "data"),
        State(ids.LIVE_ALERTS_CONFIG, "data"),
    )
