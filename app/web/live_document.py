"""The live page as one HTML document, without Dash's renderer (issue: a fast first paint).

Dash's page costs a first load about 360 KiB of renderer, React and dcc, two round trips for
its layout and callbacks, the router's callback and React's rendering before the first graph.
``/`` is served instead by this module: the live page's own layout (``app.pages.live.layout``,
inside the site's chrome) rendered to HTML on the server (``app.pages.static_html``), the
page's styles (``live.STYLES``: fingerprinted ``/assets`` URLs, compressed and cached like
Dash's), its scripts (``live.SCRIPTS``) and the runtime (``assets/page-runtime.js``, which runs
the page's clientside callbacks as Dash would) in one fingerprinted answer under ``/assets/``,
and plotly.js preloaded from the head at Dash's URL (the partial bundle of
``app.web.plotly_bundle``). Their wiring is taken from the Dash app's own
registrations (every clientside callback whose inputs, states and outputs are all on the page),
handed to the browser as JSON, so it is written once.

The host and login checks and the security headers apply as to every route (before- and
after-request hooks registered earlier); every other page stays a Dash page.
"""

from __future__ import annotations

import functools
import hashlib
from html import escape
from pathlib import Path
from typing import Any

from dash import Dash
from flask import Response, request

from app.config import Config
from app.pages import chrome, live
from app.pages.static_html import attributes, json_script, render
from app.web.plotly_bundle import DASH_PLOTLY_PATH

# the page's scripts in one answer: one request and one set of headers (about 0.8 KiB each)
# in place of some 25; under /assets/, so it is compressed, kept and cached as assets are
BUNDLE_PATH = "assets/page-bundle/live.js"
DATA_ID = "page-data"  # the runtime's components and callbacks
CONFIG_ID = "_dash-config"  # the path prefix, where assets/live-api.js reads it on every page


def output_specs(output: str, no_output: bool = False) -> tuple[list[list[str]], bool]:
    """Dash's output string as ``[[id, prop], ...]`` and whether the callback returns a list
    (several outputs): ``"a.children"``, ``"..a.children...b.style.."``, ``"x.y@hash"``."""
    if no_output:
        return [], False
    multi = output.startswith("..") and output.endswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    specs = []
    for part in parts:
        component_id, _, prop = part.split("@", 1)[0].rpartition(".")
        specs.append([component_id, prop])
    return specs, multi


def page_callbacks(callback_list: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    """The clientside callbacks whose inputs, states and outputs are all among ``ids``, in
    the order they were registered (the order Dash runs initial calls in)."""
    wiring = []
    for callback in callback_list:
        function = callback.get("clientside_function")
        if not function:
            continue
        outputs, multi = output_specs(callback["output"], bool(callback.get("no_output")))
        inputs = [[i["id"], i["property"]] for i in callback["inputs"]]
        state = [[s["id"], s["property"]] for s in callback.get("state", [])]
        if all(isinstance(c, str) and c in ids for c, _ in inputs + state + outputs):
            wiring.append({
                "namespace": function["namespace"], "function": function["function_name"],
                "inputs": inputs, "state": state, "outputs": outputs, "multi": multi,
                "preventInitialCall": bool(callback.get("prevent_initial_call")),
            })  # fmt: skip
    return wiring


def asset_names(folder: Path, patterns: tuple[str, ...]) -> list[str]:
    """The files of ``folder`` matching any of ``patterns``, in file-name order (Dash's)."""
    names = {path.name for pattern in patterns for path in folder.glob(pattern)}
    return sorted(names)


class LiveDocument:
    """Renders ``/`` for one app; the parts that do not change are computed once."""

    def __init__(self, dash_app: Dash, config: Config, signed_in: bool, assets: Path) -> None:
        self.dash_app, self.config, self.signed_in, self.assets = (
            dash_app, config, signed_in, assets
        )  # fmt: skip
        self.prefix = dash_app.config.requests_pathname_prefix

    def asset_url(self, name: str) -> str:
        mtime = int((self.assets / name).stat().st_mtime)
        return f"{self.dash_app.get_asset_url(name)}?m={mtime}"

    @functools.cached_property
    def head(self) -> str:
        plotly = self.prefix + DASH_PLOTLY_PATH
        styles = asset_names(self.assets, live.STYLES)
        links = [
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(self.dash_app.title)}</title>",
            '<link rel="icon" href="data:,">',  # no icon: 4.7 KiB and a request less
            "<link" + attributes([("rel", "preload"), ("as", "script"), ("href", plotly)]) + ">",
            *("<link" + attributes([("rel", "stylesheet"), ("href", self.asset_url(n))]) + ">"
              for n in styles),
            chrome.socket_meta(self.config.hostname),
            "<script" + attributes([("src", self.asset_url(chrome.HEAD_SCRIPT))]) + "></script>",
        ]  # fmt: skip
        return "\n".join(links)

    @functools.cached_property
    def bundle(self) -> tuple[bytes, str]:
        """The page's scripts (``live.SCRIPTS`` by file name, then the runtime) as one body,
        each after a comment naming its file, and the hash that fingerprints its URL."""
        names = [*asset_names(self.assets, live.SCRIPTS), *chrome.STATIC_RUNTIME]
        parts = [f"/* assets/{n} */\n".encode() + (self.assets / n).read_bytes() for n in names]
        body = b";\n".join(parts)
        return body, hashlib.sha256(body).hexdigest()[:16]

    @functools.cached_property
    def scripts(self) -> str:
        urls = [f"{self.prefix}{BUNDLE_PATH}?m={self.bundle[1]}", self.prefix + DASH_PLOTLY_PATH]
        return "\n".join("<script" + attributes([("src", url)]) + "></script>" for url in urls)

    def callbacks(self, ids: set[str]) -> list[dict[str, Any]]:
        return page_callbacks(self.dash_app._callback_list, ids)

    def html(self) -> str:
        """The document: a new rendering of the layout (its ``mount`` ids are new) each time."""
        tree = chrome.shell(
            hostname=self.config.hostname,
            signed_in=self.signed_in,
            content=live.layout(self.config),
        )
        page = render(tree)
        data = {"components": page.components, "callbacks": self.callbacks(page.ids)}
        return "\n".join([
            "<!DOCTYPE html>", '<html lang="en">', "<head>", self.head, "</head>", "<body>",
            page.markup,
            json_script(CONFIG_ID, {"requests_pathname_prefix": self.prefix}),
            json_script(DATA_ID, data),
            self.scripts, "</body>", "</html>",
        ])  # fmt: skip


def attach_live_document(dash_app: Dash, config: Config, *, signed_in: bool, assets: Path) -> None:
    """Answers GET and HEAD of the live page's path with the document (after the host and
    login checks, before-request hooks registered before this one)."""
    document = LiveDocument(dash_app, config, signed_in, assets)
    path = dash_app.config.routes_pathname_prefix + live.PATH.lstrip("/")
    bundle_path = dash_app.config.routes_pathname_prefix + BUNDLE_PATH

    @dash_app.server.before_request
    def _live_document() -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if request.path == bundle_path:  # fingerprinted: app.web.compression caches it
            return Response(document.bundle[0], mimetype="text/javascript")
        if request.path != path:
            return None
        response = Response(document.html(), mimetype="text/html")
        response.cache_control.no_store = True  # every rendering starts a new page mount
        return response
