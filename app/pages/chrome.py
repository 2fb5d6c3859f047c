"""The frame every page shares: the header (title, host name, navigation with the current page
marked, the light/dark toggle) around the page, and the HTML page itself, whose head runs
``assets/theme-boot.js`` before the first paint so that a remembered theme never flashes, and
names the metrics socket and the server's host (``<meta name="monitor-live-socket">``), so the
live page's script opens its socket as soon as it loads (``assets/live-socket.js``).

The theme is the ``data-theme`` attribute of ``<html>`` ("light" or "dark"): the person's choice
kept in ``localStorage``, else the system's preference. Every colour of every page is a CSS
variable of that theme (assets/dashboard.css); charts take theirs from the same variables
(``monitorTheme`` in assets/dashboard.js).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from dash import ClientsideFunction, Dash, Input, Output, dcc, html

from app.pages import PAGES, ids
from app.paths import WS_PATH

HEAD_SCRIPT = "theme-boot.js"  # loaded in the head, not with the other scripts at the end
EARLY_SCRIPT = "overview-early.js"  # in the head too: the hosts page's first read
# the runtime of the pages served without Dash's renderer (the live page); Dash's pages load
# page-nodes.js too (the hosts page draws its tiles with it), never page-runtime.js
STATIC_RUNTIME = ("page-nodes.js", "page-runtime.js")
NOT_ON_DASH_PAGES = (HEAD_SCRIPT, EARLY_SCRIPT, "page-runtime.js")

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        SOCKET_META
        <script src="HEAD_SCRIPT_URL"></script>
        <script async src="EARLY_SCRIPT_URL"></script>
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def theme_toggle() -> html.Button:
    """The light/dark switch; assets/dashboard.js handles it and keeps its ``aria-pressed``."""
    return html.Button(
        [
            html.Span(className="theme-icon", **{"aria-hidden": "true"}),
            html.Span("Dark theme", className="visually-hidden"),
        ],
        id=ids.THEME_TOGGLE,
        className="theme-toggle",
        title="Switch between light and dark",
    )


def socket_meta(hostname: str) -> str:
    """The head's ``<meta>`` naming the metrics socket and the server's host."""
    path = escape(WS_PATH.lstrip("/"), quote=True)
    host = escape(hostname, quote=True)
    return f'<meta name="monitor-live-socket" content="{path}" data-host="{host}">'


def shell(*, hostname: str = "–", signed_in: bool = False, content: object = None) -> html.Div:
    """The header with ``hostname`` (pages that follow another host replace it), the
    navigation and the theme toggle, then the page (``content``: the router fills it on Dash's
    pages; a page served as HTML puts its own layout there).

    A page served without Dash's renderer (``FULL_LOAD`` in its module) is linked with a full
    page load: Dash's router cannot show it.

    With authentication on, the navigation ends with a sign-out link (``/logout`` is a page
    whose form carries the CSRF token; relative, so it works under a proxy's path prefix).
    """
    links: list = [
        dcc.Link(
            page.TITLE,
            href=page.PATH,
            className="nav-link",
            refresh=getattr(page, "FULL_LOAD", False),
        )
        for page in PAGES
    ]
    if signed_in:
        links.append(html.A("Sign out", href="logout", className="nav-link nav-signout"))
    return html.Div(
        [
            dcc.Location(id=ids.LOCATION),
            dcc.Store(id=ids.THEME),
            html.Header(
                [
                    html.Div(
                        [
                            html.H1("System monitor"),
                            html.Span(hostname, id=ids.HOSTNAME, className="hostname"),
                        ],
                        className="brand",
                    ),
                    html.Nav(links, id=ids.NAV, **{"aria-label": "Pages"}),
                    theme_toggle(),
                ],
                className="site-header",
            ),
            html.Main(content, id=ids.PAGE_CONTENT),
        ],
        className="page",
    )


def install(dash_app: Dash, *, hostname: str, signed_in: bool, assets_folder: Path) -> None:
    """Gives ``dash_app`` the shared frame: its layout, an HTML page that loads the theme
    before the first paint, and the callback marking the current page in the navigation."""

    def url_of(name: str) -> str:
        return f"{dash_app.get_asset_url(name)}?m={int((assets_folder / name).stat().st_mtime)}"

    ignored = "|".join(name.replace(".", "[.]") for name in NOT_ON_DASH_PAGES)
    dash_app.config.assets_ignore = rf"^({ignored})$"
    # the live page's script opens its socket from these before Dash renders the page
    index = INDEX.replace("HEAD_SCRIPT_URL", url_of(HEAD_SCRIPT))
    dash_app.index_string = index.replace("EARLY_SCRIPT_URL", url_of(EARLY_SCRIPT)).replace(
        "SOCKET_META", socket_meta(hostname)
    )
    dash_app.layout = shell(hostname=hostname, signed_in=signed_in)
    dash_app.clientside_callback(
        ClientsideFunction("chrome", "markCurrent"),
        Output(ids.NAV, "data-current"),
        Input(ids.LOCATION, "pathname"),
    )
