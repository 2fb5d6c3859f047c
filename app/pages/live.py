"""The live page: samples pushed over one WebSocket, drawn in the browser.

The page is served as plain HTML rendered on the server from this module's layout, and its
clientside callbacks are run by a small runtime instead of Dash's renderer (the wiring is the
callbacks registered here: ``app.web.live_document``, ``assets/page-runtime.js``).

The server sends data, never figures: the page's script (``assets/live.js`` and the
``assets/live-*.js`` modules it wires) opens the WebSocket itself, appends each sample to the
Plotly graphs in the browser, fills the cards, the process table and the health panel,
reconnects with backoff, and falls back to polling ``/api/v1/latest`` when the socket cannot
open. This module lays the page out and wires the two clientside callbacks; the output names and
the configuration it hands the browser tie them together.

The page follows one host: ``?host=NAME`` of the page URL (the overview's tiles link there),
else the server's own host. The host picker in the toolbar (filled by the browser from
``/api/v1/hosts``) switches host without reloading: the URL's ``host=`` is replaced, the view
emptied and the socket reopened with the new ``host=`` filter, whose backlog fills the graphs.
Above the toolbar, ``live_alerts`` shows that host's firing alerts (and counts the others').
"""

from __future__ import annotations

import uuid
from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

from app.config import Config
from app.pages import ids, live_alerts
from app.pages.context import PageContext
from app.pages.live_parts import (
    HEALTH_LABELS,
    health_placeholder,
    table_panel,
    waiting_figure,
    workloads_panel,
)
from app.paths import WS_PATH
from collectors.catalog import WORKLOAD_KIND_NAMES

PATH = "/"
TITLE = "Live"
# Served as HTML rendered from this layout, without Dash's renderer (app/web/live_document.py):
# links into the page load it in full. Its scripts and styles, as patterns of assets/ (every
# live-*.js; loaded in file-name order, as Dash would), besides the runtime and plotly.js.
FULL_LOAD = True
SCRIPTS = ("alerts-firing.js", "alerts.js", "dashboard.js", "live-*.js", "live.js")
STYLES = ("dashboard.css", "live.css")

WINDOWS_MIN = (5, 15, 60, 360)
BUFFER_MIN = 60  # the browser keeps this much in memory; wider windows read the database
STALE_INTERVALS = 3
POLL_AFTER_FAILURES = 3
BACKOFF_S = (1.0, 15.0)
# the host picker re-reads /api/v1/hosts this often, and soon when looked at (live-hosts.js)
HOSTS_REFRESH_MS = 60_000


# (key, graph id, title); the key names the graph in assets/live-figures.js.
GRAPHS: tuple[tuple[str, str, str], ...] = (
    ("cpu", ids.GRAPH_CPU, "CPU"),
    ("cores", ids.GRAPH_CORES, "CPU per core"),
    ("memory", ids.GRAPH_MEMORY, "Memory and swap"),
    ("load", ids.GRAPH_LOAD, "Load average"),
    ("disk", ids.GRAPH_DISK, "Disk I/O"),
    ("net", ids.GRAPH_NET, "Network"),
    ("temp", ids.GRAPH_TEMP, "Temperatures"),
    ("gpu", ids.GRAPH_GPU, "GPUs"),
    ("pressure", ids.GRAPH_PRESSURE, "Pressure (share of time tasks waited)"),
)
# Graphs shown only once a sample carries their section (the browser gets the keys).
OPTIONAL_PANELS: dict[str, str] = {
    "temp": ids.PANEL_TEMP,
    "gpu": ids.PANEL_GPU,
    "pressure": ids.PANEL_PRESSURE,
}

# (key, title, value id, detail id)
CARDS: tuple[tuple[str, str, str, str], ...] = (
    ("cpu", "CPU", ids.CPU_VALUE, ids.CPU_DETAIL),
    ("memory", "Memory", ids.MEM_VALUE, ids.MEM_DETAIL),
    ("swap", "Swap", ids.SWAP_VALUE, ids.SWAP_DETAIL),
    ("load", "Load (1 min)", ids.LOAD_VALUE, ids.LOAD_DETAIL),
    ("disk", "Disk I/O", ids.DISK_VALUE, ids.DISK_DETAIL),
    ("net", "Network", ids.NET_VALUE, ids.NET_DETAIL),
    ("uptime", "Uptime", ids.UPTIME_VALUE, ids.UPTIME_DETAIL),
    ("pressure", "Pressure", ids.PRESSURE_VALUE, ids.PRESSURE_DETAIL),
)
# Parts shown only while the followed host's samples carry a section: section -> (element id,
# its class while shown; "panel--hidden" is added while not). A card's key names its section.
SECTION_PARTS: dict[str, tuple[str, str]] = {
    "pressure": (ids.CARD_PRESSURE, "card card--pressure"),
    "cgroups": (ids.PANEL_WORKLOADS, "panel panel--wide"),
}


def render_outputs() -> list[tuple[str, Output]]:
    """The render callback's outputs, each with the name live.js fills it by."""
    outputs: list[tuple[str, Output]] = []
    for key, graph_id, _title in GRAPHS:
        outputs.append((f"figure:{key}", Output(graph_id, "figure")))
    for key, panel_id in OPTIONAL_PANELS.items():
        outputs.append((f"panel:{key}", Output(panel_id, "className")))
    for key, _title, value_id, detail_id in CARDS:
        outputs.append((f"card:{key}", Output(value_id, "children")))
        outputs.append((f"detail:{key}", Output(detail_id, "children")))
    for element_id, _class in SECTION_PARTS.values():
        outputs.append((f"shown:{element_id}", Output(element_id, "className")))
    outputs.append(("health", Output(ids.LIVE_HEALTH, "children")))
    outputs.append(("pause", Output(ids.LIVE_PAUSE, "children")))
    outputs.append(("host", Output(ids.HOSTNAME, "children", allow_duplicate=True)))
    return outputs


def client_config(config: Config) -> dict[str, Any]:
    """What live.js needs: cadence, host, thresholds, element ids and output order.

    ``host`` is the server's own host, followed unless the page URL names another. ``interval``
    is the server's; for a host whose samples carry ``health.interval_s`` the browser uses that.
    ``mount`` is new for every rendering of the page, so the browser starts afresh each time.
    ``optionalPanels`` are the graphs whose panel the browser shows once they have a trace.
    ``bufferMinutes`` is what the browser keeps of the samples it was sent; a window's part
    before them comes from the history API (assets/live-fill.js). ``sectionParts`` are
    [section, output name, class] of the parts shown while the samples carry that section;
    ``workloadKinds`` are the workloads table's words for each kind.
    """
    return {
        "mount": uuid.uuid4().hex,
        "interval": config.interval,
        "host": config.hostname,
        "path": WS_PATH.lstrip("/"),
        "windows": list(WINDOWS_MIN),
        "bufferMinutes": BUFFER_MIN,
        "staleIntervals": STALE_INTERVALS,
        "pollAfterFailures": POLL_AFTER_FAILURES,
        "backoff": list(BACKOFF_S),
        "hostsEveryMs": HOSTS_REFRESH_MS,
        "healthLabels": list(HEALTH_LABELS),
        "optionalPanels": list(OPTIONAL_PANELS),
        "sectionParts": [[s, f"shown:{e}", c] for s, (e, c) in SECTION_PARTS.items()],
        "workloadKinds": dict(WORKLOAD_KIND_NAMES),
        "waitingFigure": waiting_figure(),
        "ids": {
            "socket": ids.LIVE_SOCKET,
            "inbox": ids.LIVE_INBOX,
            "pause": ids.LIVE_PAUSE,
            "procTable": ids.PROC_TABLE,
            "workloadTable": ids.WORKLOAD_TABLE,
            "workloadFilter": ids.WORKLOAD_FILTER,
            "hostPicker": ids.LIVE_HOST_PICKER,
            "graphs": {key: graph_id for key, graph_id, _title in GRAPHS},
        },
        "outputs": [name for name, _output in render_outputs()],
    }


def window_label(minutes: int) -> str:
    """ "15 min", "6 h": a window button's text."""
    return f"{minutes // 60} h" if minutes >= 120 and minutes % 60 == 0 else f"{minutes} min"


def tick_ms(interval: float) -> int:
    """The connection's clock: half an interval, between 250 and 500 ms."""
    return int(min(500, max(250, interval * 500)))


def card(
    title: str, value_id: str, detail_id: str, part: tuple[str, str] | None = None
) -> html.Div:
    """A summary card: title, big value and a detail line, all of fixed height. A card of
    ``part`` (SECTION_PARTS: its id and class) starts hidden."""
    children = [
        html.Div(title, className="card-title"),
        html.Div("–", id=value_id, className="card-value"),
        html.Div("\u00a0", id=detail_id, className="card-detail"),
    ]
    if part is None:
        return html.Div(children, className="card")
    return html.Div(children, id=part[0], className=f"{part[1]} panel--hidden")


def graph_panel(key: str, graph_id: str, title: str) -> html.Section:
    """A titled graph; optional ones (sensors, GPUs) start hidden until a sample has them."""
    panel_id = OPTIONAL_PANELS.get(key)
    return html.Section(
        [
            html.H2(title, className="panel-title"),
            html.Div(
                dcc.Graph(
                    id=graph_id,
                    figure=waiting_figure(),
                    config={"displayModeBar": False, "responsive": True},
                    style={"height": "100%"},
                ),
                className="graph-box",
            ),
        ],
        id=panel_id or f"panel-{key}",
        className="panel panel--hidden" if panel_id else "panel",
    )


def toolbar() -> html.Div:
    """Host picker (live-hosts.js fills it), status badge, pause, time window and how old the
    newest sample is."""
    return html.Div(
        [
            html.Div(id=ids.LIVE_HOST_PICKER, className="host-picker"),
            html.Div("Connecting…", id=ids.LIVE_STATUS, className="status status--connecting"),
            html.Button("Pause", id=ids.LIVE_PAUSE, n_clicks=0, className="button"),
            dcc.RadioItems(
                id=ids.LIVE_WINDOW,
                options=[{"label": window_label(m), "value": m} for m in WINDOWS_MIN],
                value=WINDOWS_MIN[0],
                inline=True,
                className="segmented",
            ),
            html.Div("", id=ids.SAMPLE_TIME, className="sample-time"),
        ],
        className="toolbar",
    )


def layout(config: Config) -> html.Div:
    """Firing alerts, status and controls, cards, graphs, top processes, containers and
    services, and the health."""
    return html.Div(
        [
            live_alerts.banner(config),
            toolbar(),
            html.Div(
                [card(t, v, d, SECTION_PARTS.get(k)) for k, t, v, d in CARDS],
                id=ids.LIVE_CARDS,
                className="cards",
            ),
            html.Div([graph_panel(*g) for g in GRAPHS], className="graphs"),
            table_panel(
                "Top processes",
                ids.PROC_FILTER,
                "Filter by name, user or command",
                ids.PROC_TABLE,
                "proc-table",
            ),
            workloads_panel(),
            html.Section(
                [
                    html.H2("Monitor health", className="panel-title"),
                    html.Div(health_placeholder(), id=ids.LIVE_HEALTH, className="health"),
                ],
                className="panel panel--wide",
            ),
            dcc.Interval(id=ids.LIVE_TICK, interval=tick_ms(config.interval)),
            dcc.Store(id=ids.LIVE_CONFIG, data=client_config(config)),
            dcc.Store(id=ids.LIVE_SOCKET),
            dcc.Store(id=ids.LIVE_INBOX),
        ],
        className="live",
    )


def register_callbacks(dash_app: Dash, _context: PageContext) -> None:
    """Two clientside callbacks (assets/live.js): the connection (status badge, how old the
    cards are), and drawing the samples (and the alert banner's own, ``live_alerts``).

    The browser bumps the ``LIVE_SOCKET`` store when its socket opens or closes, and the
    ``LIVE_INBOX`` store when frames (or a polled sample) wait to be drawn.
    """
    dash_app.clientside_callback(
        ClientsideFunction("live", "connection"),
        Output(ids.LIVE_STATUS, "children"),
        Output(ids.LIVE_STATUS, "className"),
        Output(ids.SAMPLE_TIME, "children"),
        Output(ids.LIVE_CARDS, "className"),
        Input(ids.LIVE_SOCKET, "data"),
        Input(ids.LIVE_TICK, "n_intervals"),
        Input(ids.LIVE_PAUSE, "n_clicks"),
        State(ids.LIVE_CONFIG, "data"),
    )
    dash_app.clientside_callback(
        ClientsideFunction("live", "render"),
        *[output for _name, output in render_outputs()],
        Input(ids.LIVE_INBOX, "data"),
        Input(ids.LIVE_PAUSE, "n_clicks"),
        Input(ids.LIVE_WINDOW, "value"),
        Input(ids.PROC_FILTER, "value"),
        State(ids.LIVE_CONFIG, "data"),
        prevent_initial_call=True,
    )
    live_alerts.register_callbacks(dash_app)
