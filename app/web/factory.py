"""``create_app``: the Dash app, its Flask server, the monitor and the routes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from dash import Dash, Input, Output, html
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Config
from app.guard.auth import attach_auth
from app.guard.dash_requests import LAYOUTS_KEY, attach_dispatch_guard
from app.guard.headers import attach_security_headers
from app.guard.hosts import attach_host_check
from app.guard.json_limits import attach_json_limits
from app.live.route import attach_websocket
from app.pages import PAGES, chrome, ids
from app.pages.context import PageContext
from app.runtime.early import early_monitor
from app.runtime.monitor import Monitor
from app.web.alerts_api import register_alerts_api
from app.web.alerts_trial_api import register_alerts_trial_api
from app.web.analysis_api import register_analysis_api
from app.web.api import api
from app.web.compression import enable_compression
from app.web.history_api import register_history_api
from app.web.live_document import attach_live_document
from app.web.plotly_bundle import serve_partial_plotly
from app.web.processes_api import register_processes_api
from app.web.unknown_paths import attach_unknown_paths

ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)

# Each initializer attaches one part (a blueprint, the WebSocket route, ...) to the server.
ServerInit = Callable[[Flask, Monitor, Config], None]


def register_api(server: Flask, _monitor: Monitor, _config: Config) -> None:
    server.register_blueprint(api)


def start_monitor_on_request(server: Flask, monitor: Monitor, _config: Config) -> None:
    """Starts the monitor on the first request, when no server hook started it before."""

    @server.before_request
    def _start_monitor() -> None:
        monitor.start()


SERVER_PARTS: list[ServerInit] = [
    attach_host_check,  # first: refuse foreign Host headers before anything else runs
    attach_auth,
    attach_json_limits,  # before any route parses a JSON body
    register_api,
    attach_websocket,
    enable_compression,
    register_history_api,
    register_analysis_api,  # /api/v1/history/summary, changes, top-processes
    register_processes_api,  # GET /api/v1/processes: search the whole last process scan
    register_alerts_api,
    register_alerts_trial_api,  # POST /api/v1/alerts/test: a rule tried on stored history
    start_monitor_on_request,
]

# Each of these attaches one part that needs the built Dash app (its callbacks, its scripts).
DashInit = Callable[[Dash], None]
DASH_PARTS: list[DashInit] = [
    attach_security_headers,  # the CSP lists the hashes of Dash's inline scripts
    attach_dispatch_guard,  # checks callback requests against the registered callbacks
    serve_partial_plotly,  # plotly.js with the trace types the pages draw, not all of them
]


def create_app(config: Config | None = None, *, monitor: Monitor | None = None) -> Dash:
    """Builds the dashboard. Its sampler starts on the first request or on ``monitor.start()``.

    ``config`` defaults to ``Config.from_env()``; tests pass their own config or monitor.
    """
    config = config or (monitor.config if monitor else Config.from_env())
    monitor = monitor or early_monitor(config) or Monitor(config)
    server = Flask(__name__)
    if config.trust_proxy:  # scheme, host, client address and path prefix from the proxy
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    server.extensions["monitor"] = monitor
    server.config["MONITOR"] = config
    for attach in SERVER_PARTS:
        attach(server, monitor, config)

    dash_app = Dash(
        __name__,
        server=server,
        assets_folder=str(ROOT / "assets"),
        title="System monitor",
        update_title=None,
        suppress_callback_exceptions=True,
    )
    signed_in = bool(config.auth_token or config.users_file)
    chrome.install(
        dash_app, hostname=config.hostname, signed_in=signed_in, assets_folder=ROOT / "assets"
    )
    pages = {page.PATH: page for page in PAGES}

    @dash_app.callback(Output(ids.PAGE_CONTENT, "children"), Input(ids.LOCATION, "pathname"))
    def route(pathname: str | None) -> object:
        path = dash_app.strip_relative_path(pathname or "/") or ""
        page = pages.get("/" + path)
        if page is None:
            return html.Div(f"No page at {pathname}", className="not-found")
        return page.layout(config)

    context = PageContext(config, monitor.store)
    for page in PAGES:
        page.register_callbacks(dash_app, context)
    # every page's components, read on first use by the Dash request guard's type checks
    server.extensions[LAYOUTS_KEY] = lambda: [dash_app.layout, *(p.layout(config) for p in PAGES)]
    for attach_to_dash in DASH_PARTS:
        attach_to_dash(dash_app)
    # the live page is served as HTML from its layout, without Dash's renderer
    attach_live_document(dash_app, config, signed_in=signed_in, assets=ROOT / "assets")
    attach_unknown_paths(dash_app, pages)
    return dash_app
